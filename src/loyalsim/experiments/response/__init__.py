"""Calibrating the program response from data: program histories and pilots (issue 14).

:mod:`~loyalsim.experiments.response.history` holds the data (``ProgramHistory``, ``Pilot``)
and their file readers; :mod:`~loyalsim.experiments.response.simulated` builds the same data
in memory from a simulated run.
"""
