"""The HTTP service of ``cxa serve``: a thin FastAPI adapter over :mod:`analyzer`.

``main`` builds the app and runs it; ``routers/`` holds one router per resource; ``deps``
the dependencies; ``schemas`` the request and response bodies; ``settings`` the options
(``CXA_*`` variables); ``errors`` maps the analyzer's errors to HTTP in one place.
"""
