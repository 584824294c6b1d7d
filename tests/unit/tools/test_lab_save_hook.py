"""The lab's save hook keeps a widget's picture, never a view that cannot outlive its kernel."""

import copy

from tools.lab_save_hook import PICTURE, WIDGET_VIEW, save_widget_pictures

VIEW = {"model_id": "abc", "version_major": 2, "version_minor": 0}


def _model(*bundles: dict) -> dict:
    outputs = [{"output_type": "display_data", "data": b, "metadata": {}} for b in bundles]
    cell = {"cell_type": "code", "source": "explore()", "metadata": {}, "outputs": outputs}
    return {"type": "notebook", "content": {"cells": [cell], "metadata": {}}}


def test_a_widget_with_a_picture_is_saved_as_the_picture():
    model = _model({WIDGET_VIEW: VIEW, PICTURE: "iVBORw0", "text/html": "<p>note</p>"})
    save_widget_pictures(model=model, path="05.ipynb", contents_manager=None)
    assert model["content"]["cells"][0]["outputs"][0]["data"] == {
        PICTURE: "iVBORw0",
        "text/html": "<p>note</p>",
    }


def test_other_outputs_and_files_are_left_alone():
    plain_widget = {WIDGET_VIEW: VIEW, "text/plain": "IntSlider(value=0)"}
    model = _model(plain_widget, {PICTURE: "iVBORw0"}, {"text/plain": "3"})
    before = copy.deepcopy(model)
    save_widget_pictures(model=model, path="a.ipynb", contents_manager=None)
    assert model == before
    text_file = {"type": "file", "content": "x", "format": "text"}
    save_widget_pictures(model=text_file, path="a.txt", contents_manager=None)
    assert text_file == {"type": "file", "content": "x", "format": "text"}
