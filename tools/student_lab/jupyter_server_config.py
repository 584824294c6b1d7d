"""JupyterLab server settings for students: `./dlbook lab` and the course server's lab (this
folder is on their JUPYTER_CONFIG_PATH).

A saved widget output that carries a picture keeps the picture, not the widget's view, so a
notebook reopened after its kernel ended shows chapter 05's explorer as a picture instead of
"Error displaying widget: model not found" (issue 23 item 2; tools/lab_save_hook.py says how).
"""

c = get_config()  # noqa: F821 -- provided by traitlets when it executes this file

# Importable: `./dlbook lab` puts the book on PYTHONPATH, the course server its public copy
# (grading/hub/layout.py copies tools/lab_save_hook.py there).
c.ContentsManager.pre_save_hook = "tools.lab_save_hook.save_widget_pictures"
