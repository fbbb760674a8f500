"""In-process execution: a papermill engine that runs a notebook's cells in an IPython shell of the task's own
process — no kernel started, no messages sent — and records their outputs exactly as a kernel and nbclient would.

The runner calls it inside the per-task process it forks from the warm root process (see the package
docstring), so the isolation is the fork's: whatever a notebook changes (globals, module attributes, rcParams,
the environment, the working directory) dies with that process. papermill still parameterizes the notebook,
keeps its metadata and writes the output; only the execution is done here instead of by nbclient.

What a kernel would put in the notebook, and how it is reproduced here:

* ``display_data`` / ``execute_result``: the shell's display publisher and display hook receive the same format
  dicts as ipykernel's (same IPython, same formatters); images are base64-encoded as ipykernel's
  ``encode_images`` does and the content goes through the JSON round trip of a Jupyter message, so tuples
  become lists and numbers print the same;
* ``stream``: what the cell writes to stdout/stderr, one output per stream between two displays (ipykernel
  flushes both streams, stdout first, before each display and at the end of the cell);
* ``error``: the shell's structured traceback, ``ename`` and ``evalue`` as ipykernel sends them;
* ``execution_count``: the shell's counter (the first executed cell is 1), empty cells skipped as nbclient does;
* ``metadata.language_info``: ipykernel's ``IPythonKernel.language_info`` (what its kernel_info reply says).

``tests/test_runner.py`` executes every template both ways and compares the bytes.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

ENGINE = "citybank-inprocess"


class _Outputs:
    """The outputs of the cell being executed, and the text written to stdout/stderr since the last flush."""

    def __init__(self) -> None:
        self.outs: list[Any] = []
        self.by_display_id: dict[str, list[Any]] = {}  # the outputs an update_display_data replaces (any cell)
        self.pending: dict[str, list[str]] = {"stdout": [], "stderr": []}

    def flush(self) -> None:
        from nbformat.v4 import new_output

        for name in ("stdout", "stderr"):
            if self.pending[name]:
                self.outs.append(new_output("stream", name=name, text="".join(self.pending[name])))
                self.pending[name] = []

    def add(self, output_type: str, content: dict[str, Any]) -> None:
        """One output from the content of the message a kernel would have sent (serialized as a kernel does)."""
        from jupyter_client.session import json_packer
        from nbformat.v4 import output_from_msg

        self.flush()
        content = json.loads(json_packer(content))
        display_id = (content.get("transient") or {}).get("display_id")
        if output_type == "update_display_data":  # as nbclient does: the earlier outputs of that id change
            for out in self.by_display_id.get(display_id, []):
                out["data"], out["metadata"] = content["data"], content["metadata"]
            return
        out = output_from_msg({"msg_type": output_type, "header": {"msg_type": output_type}, "content": content})
        if display_id:
            self.by_display_id.setdefault(display_id, []).append(out)
        self.outs.append(out)


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr while a cell runs."""

    def __init__(self, sink: _Outputs, name: str) -> None:
        self.sink, self.name_ = sink, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.sink.pending[self.name_].append(text)
        return len(text)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "UTF-8"

    def isatty(self) -> bool:
        return False


def _shell_class():
    """The shell, built lazily (IPython is imported by the warm worker, not by the CLI)."""
    from ipykernel.zmqshell import encode_images
    from IPython.core.display_trap import DisplayTrap
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Any as AnyTrait

    class Publisher(DisplayPublisher):
        sink = AnyTrait()

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):  # noqa: ARG002
            kind = "update_display_data" if update else "display_data"
            self.sink.add(kind, {"data": encode_images(data), "metadata": metadata or {}, "transient": transient or {}})

        def clear_output(self, wait=False):  # noqa: ARG002
            self.sink.flush()
            self.sink.outs[:] = []

    class Hook(DisplayHook):
        sink = AnyTrait()

        def start_displayhook(self):
            self._data: dict[str, Any] = {}

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._data = {"data": encode_images(format_dict), "metadata": md_dict or {}}

        def finish_displayhook(self):
            if self._data:
                self.sink.add("execute_result", {**self._data, "execution_count": self.prompt_count})
            self._data = {}

    class Shell(InteractiveShell):
        """An InteractiveShell whose displays, results, errors and streams become notebook outputs."""

        sink = AnyTrait()

        def init_display_pub(self):
            self.display_pub = Publisher(shell=self, parent=self)
            self.configurables.append(self.display_pub)

        def init_displayhook(self):
            self.displayhook = Hook(shell=self, cache_size=self.cache_size, parent=self)
            self.configurables.append(self.displayhook)
            self.display_trap = DisplayTrap(hook=self.displayhook)

        def _showtraceback(self, etype, evalue, stb):
            self.sink.add("error", {"traceback": stb, "ename": str(etype.__name__), "evalue": str(evalue)})

    return Shell


def new_shell():
    """A fresh shell for one notebook (no history file: a build's cells are not the analyst's history)."""
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = _shell_class().instance(config=config)
    return shell


def language_info() -> dict[str, Any]:
    from ipykernel.ipkernel import IPythonKernel

    return json.loads(json.dumps(IPythonKernel.language_info))


def _engine_class():
    from nbclient.exceptions import CellExecutionError
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):  # noqa: ARG003
            sink = _Outputs()
            shell = new_shell()
            shell.sink = shell.display_pub.sink = shell.displayhook.sink = sink
            if kwargs.get("on_notebook_start"):  # "the kernel is ready": from here a failure is the notebook's
                kwargs["on_notebook_start"](notebook=nb_man.nb)
            nb_man.nb.metadata["language_info"] = language_info()
            for index, cell in enumerate(nb_man.nb.cells):
                try:
                    nb_man.cell_start(cell, index)
                    _run_cell(shell, sink, cell, index, CellExecutionError)
                except CellExecutionError as ex:
                    nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index, exception=ex)
                    break
                finally:
                    nb_man.cell_complete(nb_man.nb.cells[index], cell_index=index)
            if kwargs.get("on_notebook_complete"):
                kwargs["on_notebook_complete"](notebook=nb_man.nb)

    return InProcessEngine


def _run_cell(shell, sink: _Outputs, cell, index: int, error_class) -> None:
    if cell.cell_type != "code" or not cell.source.strip():
        return
    sink.outs = cell.outputs = []
    count = shell.execution_count
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(sink, "stdout"), _Stream(sink, "stderr")
    try:
        result = shell.run_cell(cell.source, store_history=True)
    finally:
        sys.stdout, sys.stderr = saved
        sink.flush()
    cell.execution_count = count
    if not result.success:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        ename = errors[-1].ename if errors else type(result.error_in_exec or result.error_before_exec).__name__
        evalue = errors[-1].evalue if errors else str(result.error_in_exec or result.error_before_exec)
        traceback = "\n".join(errors[-1].traceback) if errors else ""
        raise error_class(traceback, ename, evalue)


def register() -> str:
    """Register the engine with papermill (once per process); its name for ``execute_notebook(engine_name=)``."""
    from papermill.engines import papermill_engines

    if ENGINE not in papermill_engines._engines:
        papermill_engines.register(ENGINE, _engine_class())
    return ENGINE
