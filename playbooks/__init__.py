"""The law and the response procedures as data: regimes, response playbooks, vocabulary.

``schema`` validates the files, ``catalog`` loads them, ``clocks`` computes
deadlines and ``engine`` evaluates an incident's facts against the regimes.
"""
