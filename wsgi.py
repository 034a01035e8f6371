"""What gunicorn serves: `wsgi:server`, the dashboard built from the environment.

Importing this module builds the app (under gunicorn with preload_app: once, in the master, before
workers fork); a bad setting or invalid data ends the process with the report (app.create_app_or_exit).
"""

from app import create_app_or_exit

app = create_app_or_exit()
server = app.server
