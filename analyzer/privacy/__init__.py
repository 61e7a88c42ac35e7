"""Who may read, and what is kept: API keys with roles, forgetting a respondent, retention.

::

    keys    API keys with roles (viewer, analyst, admin), stored hashed
    forget  the right to be forgotten everywhere the project keeps words or ids;
            retention of comment text

Redaction itself is a text step (:mod:`analyzer.text.redact`): it runs before anything is
stored, so it sits with the other text cleaning.
"""
