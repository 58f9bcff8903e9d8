"""Running a notebook top to bottom: the one executor that ``release`` and ``site`` share.

``execute_notebook`` runs every cell in a fresh kernel of this environment's own python (whatever
kernels Jupyter knows about elsewhere), in the folder ``cwd``, with ``OMP_NUM_THREADS=1`` and a time
limit per cell, and stops the kernel at once when the last cell is done (as nbval does). A cell that
raises (unless tagged ``raises-exception``, as in nbval), runs too long or kills its kernel stops the
run with a ``NotebookError`` naming the notebook and the cell.
"""

import os

KERNEL_NAME = "python3"


class NotebookError(Exception):
    """A notebook did not run to the end; the message names it and the cell."""


def execute_notebook(nb, label, cwd, timeout):
    """Run every cell of ``nb`` (a NotebookNode) in place and return it.

    ``label`` names the notebook in errors; ``timeout`` is seconds per cell. The stored outputs are
    made reproducible: no execution timings, consecutive prints of a stream merged.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    clear_outputs(nb)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=_current_env_kernel_manager(),
        record_timing=False,
        shutdown_kernel="immediate",  # every output is in; a graceful stop took 1-3 s more per notebook
        resources={"metadata": {"path": str(cwd)}},
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        index, cell = _failed_cell(nb)
        raise NotebookError(
            f"{label}: cell {index} ({first_line(cell)}) raised {exc.ename}: {short(exc.evalue)}"
        ) from None
    except CellTimeoutError:
        index, cell = _running_cell(nb)
        raise NotebookError(
            f"{label}: cell {index} ({first_line(cell)}) ran longer than {timeout} s"
        ) from None
    except DeadKernelError as exc:
        raise NotebookError(f"{label}: the kernel died: {short(exc)}") from None
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    coalesce_streams(nb)
    return nb


def clear_outputs(nb):
    """Remove outputs, execution counts and execution timings, in place."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)


def coalesce_streams(nb):
    """Merge consecutive stdout (or stderr) outputs of a cell into one, in place.

    How a kernel splits printed text into messages depends on timing; merging makes the stored
    outputs the same from one run to the next.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for output in cell.outputs:
            previous = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                merged.append(output)
        cell.outputs = merged


def first_line(cell):
    """The cell's first non-blank line, quoted and cut to 60 characters (for messages)."""
    line = next((text.strip() for text in cell.source.split("\n") if text.strip()), "empty")
    return repr(line if len(line) <= 60 else line[:57] + "...")


def short(exc, limit=300):
    """An exception (or any text) on one line, cut to ``limit`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _failed_cell(nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.outputs):
            return index, cell
    return _running_cell(nb)


def _running_cell(nb):
    """The last code cell that started (a failing notebook has at least one code cell)."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    ran = [(i, c) for i, c in code if c.execution_count is not None]
    return ran[-1] if ran else code[0]


def _current_env_kernel_manager():
    """A kernel manager class whose ``python3`` kernel is this process's own python."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                spec = ipykernel.kernelspec.get_kernel_dict()  # argv[0] is sys.executable
                return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)
            return super().get_kernel_spec(kernel_name)

    class CurrentEnvKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return CurrentEnvSpecs(data_dir=self.data_dir)

    return CurrentEnvKernelManager
