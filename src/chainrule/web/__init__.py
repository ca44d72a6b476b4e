"""The web page and JSON API (``chainrule serve``): a shell over the library, like the CLI.

Needs the ``web`` extra (``pip install 'chainrule[web]'``: FastAPI and uvicorn). The app is
:func:`chainrule.web.app.create_app`; :mod:`chainrule.web.work` holds what each request
computes, :mod:`chainrule.web.limits` the limits on it, and ``static/`` the page (plain HTML,
CSS and JavaScript, no build step: every number, picture and piece of math comes from the
server).
"""
