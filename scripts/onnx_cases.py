"""Runs onnx's backend test-case exporters (onnx/backend/test/case/node/*.py)
with `expect` captured: onnx 1.12 ships these examples as code, not data."""
import importlib


def run_exporters(mod_name, cls_name, on_case):
    """Calls on_case(node, inputs, outputs, name) for every example of cls_name."""
    mod = importlib.import_module("onnx.backend.test.case.node." + mod_name)
    mod.expect = lambda node, inputs, outputs, name, **kw: on_case(node, inputs, outputs, name)
    cls = getattr(mod, cls_name)
    for attr in dir(cls):
        if attr.startswith("export"):
            getattr(cls, attr)()
