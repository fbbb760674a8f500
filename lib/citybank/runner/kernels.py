"""Kernels forked from a warm worker: the ``fork`` mode of :data:`citybank.runner.execute.KERNEL_MODES`.

A kernel started by ``fork()`` of the warm process that already imported pandas, matplotlib and citybank
starts in milliseconds; jupyter_client drives it as if it had been exec'ed (a provisioner that forks, a
``Popen``-like handle for the pid, a client that does not wait for IOPub silence)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import Any


class _ForkedProcess:
    """The subset of ``subprocess.Popen`` that jupyter_client's provisioner uses, for a forked pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.005)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_main(argv: list[str], cwd: str, env: dict[str, str]) -> None:
    """Body of the forked kernel: a fresh event loop, the kernel's cwd and environment, then IPKernelApp."""
    import asyncio

    from ipykernel.kernelapp import IPKernelApp

    asyncio.events._set_running_loop(None)  # the client's loop is running in the parent, not here
    asyncio.set_event_loop(asyncio.new_event_loop())
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    app = IPKernelApp.instance()
    # No IPython history: a build's cells are not the analyst's history, and the shared sqlite file is state that
    # would outlive the notebook (and a lock the parallel kernels would wait for).
    app.initialize([*argv, "--HistoryManager.enabled=False"])
    app.start()


def fork_kernel_manager_class():
    """Build the kernel manager class lazily (jupyter_client is imported only in workers)."""
    import uuid
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import Type

    class ForkProvisioner(LocalProvisioner):
        """Start the kernel by forking this warm process instead of exec'ing a new interpreter."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            argv = cmd[cmd.index("-f") :]
            pid = os.fork()
            if pid == 0:  # the kernel
                code = 0
                try:
                    _kernel_main(argv, cwd, env)
                except BaseException:  # noqa: BLE001 — report and leave, whatever happened
                    import traceback

                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            self.process = _ForkedProcess(pid)
            self.pid, self.pgid, self.cwd = pid, None, cwd  # pgid None: signals go to the kernel pid only
            return self.connection_info

    class ReadyKernelClient(AsyncKernelClient):
        """``wait_for_ready`` without jupyter_client's final wait for 0.2 s of IOPub silence (~0.2 s per
        notebook): it waits for a ``kernel_info_reply`` on the shell channel and then for the IOPub ``idle``
        status of one of its own kernel_info requests, which proves that IOPub is connected.

        A kernel that is slow to start (a busy disk, memory pressure) answers late, so requests pile up:
        every reply and status that answers *any* request this client sent counts, and a new request goes
        out at most once a second. (Accepting only the newest request's reply never caught up: each round
        sent one more request and read one older reply.)"""

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout or 60)
            sent: set[str] = set()
            reply: dict[str, Any] | None = None
            next_request = 0.0
            while True:
                if time.monotonic() >= next_request:
                    sent.add(self.kernel_info())
                    next_request = time.monotonic() + 1.0
                try:
                    if reply is None:
                        msg = await self._async_get_shell_msg(timeout=0.2)
                        if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in sent:
                            reply = msg
                    else:
                        msg = await self._async_get_iopub_msg(timeout=0.2)
                        if (
                            msg["msg_type"] == "status"
                            and msg["parent_header"].get("msg_id") in sent
                            and msg["content"].get("execution_state") == "idle"
                        ):
                            self._handle_kernel_info_reply(reply)
                            return
                    continue  # a message came: read the next one at once
                except Empty:
                    pass
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    class ForkKernelManager(AsyncKernelManager):
        """An AsyncKernelManager whose kernels are forked from the warm worker (see the module docstring)."""

        client_factory = Type(ReadyKernelClient)

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return ForkKernelManager
