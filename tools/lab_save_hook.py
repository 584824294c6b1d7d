"""The student lab's save hook (`./dlbook lab` and the course server's lab): a widget's view is saved as the picture it promises.

A widget lives in its kernel. Saved as a widget view, chapter 05's explorer reopens, once its
kernel has ended (a restart, a shutdown, tomorrow), as "Error displaying widget: model not
found": JupyterLab always prefers the widget view and has no model for it. So where a widget's
output carries a picture (image/png beside the view: helpers.chapters.conv_explorer does), the
saved file keeps the picture and the note and drops the view; the page being worked in is
not changed, the sliders stay live until the notebook is reopened. Widget outputs without a
picture are left as they are.

Configured as the contents manager's pre_save_hook in tools/student_lab/jupyter_server_config.py.
"""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PICTURE = "image/png"


def save_widget_pictures(model: dict, **_context) -> None:
    """jupyter_server's pre_save_hook(model=, path=, contents_manager=): edits `model` in place."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if isinstance(data, dict) and WIDGET_VIEW in data and PICTURE in data:
                del data[WIDGET_VIEW]
