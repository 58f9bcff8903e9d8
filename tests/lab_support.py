"""JupyterLab end to end, in a real browser: what a learner sees, which nbval cannot.

A JupyterLab server runs on 127.0.0.1 with a token, over a scratch copy of notebooks/ (so nothing it
saves reaches the repository). Its kernels are forked from a zygote, like the rest of the suite's
(``_kernel_zygote``): a kernel for an answer key that nothing runs cost about 0.9 s of CPU to start.

Each notebook executes once per test run. The answer keys are executed by nbval in strict mode
(``addopts`` in pyproject.toml), which fails when a fresh run's outputs differ from those stored in
the key. So the browser opens each answer key *as stored* and checks what only a browser can: its
kernel starts without a dialog, opening alone does not mark it modified, every code cell holds
outputs from a run and none is an error or stderr, and the page shows no error or stderr, no MathJax
error, no broken image, and figures readable at 100 %. Running them again here cost 16-38 s per key
and checked nothing nbval does not.

One lesson still runs in JupyterLab end to end, as a learner would: the learner notebook of lesson
01 runs all its cells, then a wrong answer typed into its exercise gets failure feedback that names
the mistake, and a correct one gets "passed".

The tests are in ``tests/test_browser_lab.py``, one file, so that its tests share one server, one
browser and one JupyterLab page (``_LabApp``), one notebook at a time. (They were two files, one per
worker, while each answer key still ran here; without those runs, a second server and a second
JupyterLab page cost more than the file takes on one worker.)
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import (
    BROKEN_IMAGES_JS,
    MATH_ERRORS_JS,
    ROOT,
    PageProblems,
    copy_notebooks,
    figure_problems,
)

ANSWER_KEYS = sorted(p.name for p in (ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
KERNEL_IDLE_HOLD_S = 3.0  # the kernel must stay idle this long before Run All (it may restart once)
RUN_ALL_TIMEOUT_S = 300.0

NOTEBOOK_JS = "jupyterapp.shell.currentWidget"
KERNEL_STATUS_JS = f"""() => {{
    const w = {NOTEBOOK_JS};
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return kernel ? kernel.status : 'none';
}}"""
WATCH_KERNEL_JS = f"""() => {{
    const w = {NOTEBOOK_JS};
    window.kernelStatuses = [];
    w.sessionContext.statusChanged.connect((_, status) => window.kernelStatuses.push(status));
    return w.sessionContext.session.kernel.id;
}}"""
KERNEL_AFTER_JS = f"""() => ({{id: {NOTEBOOK_JS}.sessionContext.session.kernel.id,
    statuses: window.kernelStatuses}})"""
RUNNING_CELLS_JS = f"""() => {NOTEBOOK_JS}.content.widgets
    .filter(c => c.model.type === 'code' && (c.model.executionState === 'running'
        || (c.promptNode && c.promptNode.textContent.includes('*')))).length"""
DIRTY_JS = f"""() => {{
    const tab = document.querySelector('.lm-DockPanel .lm-TabBar-tab.jp-mod-current');
    return {{model: {NOTEBOOK_JS}.context.model.dirty, tab: !!(tab && tab.classList.contains('jp-mod-dirty'))}};
}}"""
CELLS_JS = f"""() => {NOTEBOOK_JS}.content.widgets.map((c, i) => ({{
    index: i, type: c.model.type, source: c.model.sharedModel.getSource(),
    execution_count: c.model.type === 'code' ? c.model.executionCount : null,
    outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [],
}}))"""
STDERR_IN_PAGE_JS = """() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.textContent.slice(0, 200))"""


# --- the server and the browser ---------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_command(root, port, token):
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append(
            "--allow-root"
        )  # containers and CI run as root; JupyterLab refuses without it
    return command


def _wait_for_server(url, process, log, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(
        f"JupyterLab did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a scratch copy of notebooks/, with its own settings and workspaces."""
    scratch = tmp_path_factory.mktemp("jupyterlab")
    root = copy_notebooks(scratch / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
    )
    zygote = _kernel_zygote(scratch, env)
    log = scratch / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            _lab_command(root, port, token),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", process, log)
        yield {"base": base, "token": token, "root": root}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if zygote is not None:
            zygote.kill()
            zygote.wait()
            shutil.rmtree(Path(env["RNN_COURSE_KERNEL_ZYGOTE"]).parent, ignore_errors=True)


def _kernel_zygote(scratch, env):
    """Fork the server's kernels from a zygote of their own, as the suite's other kernels are
    (tests/kernel_zygote.py): a kernelspec named python3, first in ``JUPYTER_PATH``, runs
    tests/kernel_launcher.py, and the zygote has the server's environment. Adds both to ``env`` and
    returns the zygote's process; None where the suite's kernels are ordinary
    (``RNN_COURSE_FRESH_KERNELS``). The zygote starts beside the server; a kernel asked for before
    it is ready, or if it fails, starts as an ordinary one (tests/kernel_launcher.py)."""
    import ipykernel.kernelspec

    spec = ipykernel.kernelspec.get_kernel_dict()  # the suite's, from the root conftest.py
    if not any(part.endswith("kernel_launcher.py") for part in spec["argv"]):
        return None
    kernels = scratch / "jupyter-path" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps(spec))
    env["JUPYTER_PATH"] = str(scratch / "jupyter-path")
    socket_path = Path(tempfile.mkdtemp(prefix="rnn-lab-")) / "zygote.sock"  # short: a socket path
    env["RNN_COURSE_KERNEL_ZYGOTE"] = str(socket_path)
    command = [sys.executable, str(ROOT / "tests" / "kernel_zygote.py"), str(socket_path)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


class _LabApp:
    """One browser page with JupyterLab loaded, in which each test opens its notebook.

    Loading JupyterLab's front end was most of the cost of opening a notebook in a fresh page (an
    answer key's test took 20-27 s, 8-9 s in a shared page, at load 6-8), so the tests of a file
    share one page: each opens its notebook there with JupyterLab's own ``docmanager:open`` (not by
    navigating the page again, which started duplicate kernels) and closes it afterwards, kernel
    included. If a test leaves a dialog or a notebook open, or the page breaks, the next test gets a
    fresh page.
    """

    def __init__(self, browser, lab):
        self.browser, self.lab, self.context, self.page = browser, lab, None, None

    def page_with_nothing_open(self):
        if self.page is not None and not self._clean():
            self.close()
        if self.page is None:
            self.context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
            self.page = self.context.new_page()
            self.page.set_default_timeout(60_000)
            self.page.goto(f"{self.lab['base']}/lab?reset&token={self.lab['token']}")
            self.page.wait_for_function("() => window.jupyterapp")
            self.page.evaluate(
                "() => jupyterapp.started.then(() => jupyterapp.restored).then(() => true)"
            )
        return self.page

    def _clean(self):
        try:
            return not self.page.query_selector(".jp-Dialog") and not self.page.evaluate(
                OPEN_NOTEBOOKS_JS
            )
        except Exception:  # the page crashed or closed
            return False

    def close_notebook(self):
        """Shut down the open notebook's kernel and close it without saving."""
        try:
            self.page.evaluate(CLOSE_NOTEBOOK_JS)
        except Exception:  # the page may be broken; the next test gets a fresh one
            self.close()

    def close(self):
        if self.context is not None:
            self.context.close()
        self.context = self.page = None


OPEN_NOTEBOOKS_JS = """() => Array.from(jupyterapp.shell.widgets('main'))
    .filter(w => w.sessionContext).length"""
CLOSE_NOTEBOOK_JS = """async () => {
    for (const w of Array.from(jupyterapp.shell.widgets('main')).filter(w => w.sessionContext)) {
        await w.sessionContext.shutdown();
        w.context.model.dirty = false;
        w.dispose();
    }
}"""
OPEN_JS = """(path) => jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'})
    .then(() => true)"""


@pytest.fixture(scope="module")
def lab_app(browser, lab):
    """The page with JupyterLab that the tests of one file share (see ``_LabApp``)."""
    app = _LabApp(browser, lab)
    yield app
    app.close()


@pytest.fixture
def notebook_page(lab_app):
    """Opens a notebook in the shared JupyterLab page, alone, and closes it after the test."""

    def open_notebook(relative_path, hold=KERNEL_IDLE_HOLD_S):
        """``hold``: seconds the kernel must stay idle before the test goes on."""
        page = lab_app.page_with_nothing_open()
        page.evaluate(OPEN_JS, relative_path)
        page.wait_for_function(
            f"""(path) => {{ const w = {NOTEBOOK_JS};
                return w && w.context && w.context.path === path && w.context.isReady; }}""",
            arg=relative_path,
        )
        _wait_for_idle_kernel(page, relative_path, hold)
        return page

    yield open_notebook
    if lab_app.page is not None:
        lab_app.close_notebook()


def _wait_for_idle_kernel(page, name, hold, timeout=120.0):
    """Wait until the kernel has been idle for ``hold`` seconds without a break."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        dialog = open_dialog(page)
        if dialog:
            problems = PageProblems(page, name)
            problems.add(f"a dialog opened instead of the kernel starting: {dialog}")
            problems.check()
        if page.evaluate(KERNEL_STATUS_JS) == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= hold:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    problems = PageProblems(page, name)
    problems.add(
        f"the kernel was not idle within {timeout:.0f} s (status {page.evaluate(KERNEL_STATUS_JS)!r})"
    )
    problems.check()


def _run_all_and_wait(page, name):
    page.evaluate("() => { jupyterapp.commands.execute('notebook:run-all-cells'); }")
    time.sleep(1.0)
    _wait_until_done(page, name, RUN_ALL_TIMEOUT_S)


def _wait_until_done(page, name, timeout):
    deadline = time.monotonic() + timeout
    quiet_polls = 0
    while time.monotonic() < deadline:
        quiet = page.evaluate(KERNEL_STATUS_JS) == "idle" and page.evaluate(RUNNING_CELLS_JS) == 0
        quiet_polls = quiet_polls + 1 if quiet else 0
        if quiet_polls >= 4:
            return
        time.sleep(0.5)
    problems = PageProblems(page, name)
    problems.add(f"cells were still running after {timeout:.0f} s")
    problems.check()


# --- what the learner sees --------------------------------------------------------------------


def _output_problems(cells):
    problems = []
    for cell in cells:
        if cell["type"] != "code":
            continue
        if cell["source"].strip() and cell["execution_count"] is None:
            problems.append(
                f"cell {cell['index']} has not run (Run All stopped early, or it was saved unrun)"
            )
        for output in cell["outputs"]:
            if output.get("output_type") == "error":
                problems.append(
                    f"cell {cell['index']} raised {output.get('ename')}: {output.get('evalue', '')[:200]}"
                )
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = (
                    "".join(output.get("text", ""))
                    if isinstance(output.get("text"), list)
                    else output.get("text", "")
                )
                problems.append(f"cell {cell['index']} wrote to stderr: {text.strip()[:200]!r}")
    return problems


def _page_problems(page, figures=True):
    problems = [
        f"stderr or error shown in the page: {text!r}" for text in page.evaluate(STDERR_IN_PAGE_JS)
    ]
    problems += [f"MathJax error: {text!r}" for text in page.evaluate(MATH_ERRORS_JS)]
    problems += [f"image did not load: {src!r}" for src in page.evaluate(BROKEN_IMAGES_JS)]
    if figures:
        problems += figure_problems(page, ".jp-OutputArea-output img")
    return problems


def check_answer_key(notebook_page, name):
    """Open an answer key, check that opening did not modify it, and check what its stored outputs
    show. Not Run All: nbval's strict run has just checked that running it gives those outputs.

    Nothing runs in its kernel, so the test does not wait for the kernel to stay idle before it
    looks (3 s a key): it watches the kernel instead, from the moment it is first idle to the end,
    and fails if it changed, restarted or died, or if a dialog opened."""
    page = notebook_page(f"solutions/{name}", hold=0)
    kernel = page.evaluate(WATCH_KERNEL_JS)
    problems = PageProblems(page, f"lab-{name}")
    dirty = page.evaluate(DIRTY_JS)
    if dirty["model"] or dirty["tab"]:
        problems.add(
            "the notebook is marked modified just by opening it (check its kernelspec and metadata)"
        )
    cells = page.evaluate(CELLS_JS)
    for problem in _output_problems(cells) + _page_problems(page):
        problems.add(problem)
    dialog = open_dialog(page)
    if dialog:
        problems.add(f"a dialog opened: {dialog}")
    changed = kernel_changed(page, kernel)
    if changed:
        problems.add(changed)
    problems.check()


def open_dialog(page):
    """The first 200 characters of the JupyterLab dialog open on ``page``, quoted; None if none is."""
    dialog = page.query_selector(".jp-Dialog")
    return repr(dialog.inner_text()[:200]) if dialog else None


def kernel_changed(page, kernel):
    """What happened to the kernel ``WATCH_KERNEL_JS`` started watching (its id is ``kernel``) if it
    was replaced, restarted or died since; None if it only went busy and idle."""
    after = page.evaluate(KERNEL_AFTER_JS)
    if after["id"] != kernel or set(after["statuses"]) - {"idle", "busy"}:
        return f"the kernel did not stay up while the notebook was open: {after}"
    return None


# --- a learner answering an exercise ------------------------------------------------------------

LEARNER = "01_rnn_cell.ipynb"
WRONG_ANSWER = '''def rnn_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step, but the hidden bias is forgotten."""
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T)
'''


def _correct_answer(name, function):
    """The answer key's exercise cell for ``function``, with the solution markers taken out."""
    key = json.loads((ROOT / "notebooks" / "solutions" / name).read_text())
    for cell in key["cells"]:
        source = "".join(cell["source"])
        if (
            cell["cell_type"] == "code"
            and source.startswith(f"def {function}(")
            and "### BEGIN SOLUTION" in source
        ):
            return (
                "\n".join(
                    line
                    for line in source.splitlines()
                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
                )
                + "\n"
            )
    raise AssertionError(f"no exercise cell for {function} in the answer key {name}")


def _cell_index(cells, predicate, what):
    for cell in cells:
        if cell["type"] == "code" and predicate(cell["source"]):
            return cell["index"]
    raise AssertionError(f"no {what} in {LEARNER}")


def _type_into_cell(page, index, text):
    """Click into the cell's editor, select everything and type ``text`` as a learner would."""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    typed = page.evaluate(
        f"() => {NOTEBOOK_JS}.content.widgets[{index}].model.sharedModel.getSource()"
    )
    assert typed.strip() == text.strip(), f"the editor holds {typed!r} after typing"


def _run_cell_and_next(page, index):
    """Run the exercise cell and its check cell with Shift+Enter, as a learner would."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    time.sleep(1.0)
    _wait_until_done(page, LEARNER, 120.0)


def _check_output(page, index):
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    return cell.locator(".jp-OutputArea").inner_text()


def check_learner_feedback(notebook_page):
    """In a learner notebook, Run All, then a wrong answer typed into the exercise gets failure
    feedback that names the mistake, and the answer key's code gets "passed"."""
    page = notebook_page(LEARNER)
    _run_all_and_wait(page, LEARNER)
    cells = page.evaluate(CELLS_JS)
    exercise = _cell_index(
        cells,
        lambda s: s.startswith("def rnn_cell(") and "NotImplementedError" in s,
        "exercise cell",
    )
    check_cell = exercise + 1
    assert cells[check_cell]["source"].strip() == 'check("rnn_cell", rnn_cell)'
    problems = PageProblems(page, f"lab-learner-{LEARNER}")

    untouched = _check_output(page, check_cell)
    if "not attempted" not in untouched:
        problems.add(f"the untouched exercise's check shows {untouched!r}, not 'not attempted'")

    _type_into_cell(page, exercise, WRONG_ANSWER)
    _run_cell_and_next(page, exercise)
    wrong = _check_output(page, check_cell)
    if "failed" not in wrong or "0/" not in wrong or "passed" in wrong.split("\n")[0]:
        problems.add(f"a wrong answer (bias_hh forgotten) got {wrong!r}")
    if "bias" not in wrong.lower():
        problems.add(f"the feedback for a forgotten bias_hh does not name the bias: {wrong!r}")

    _type_into_cell(page, exercise, _correct_answer(LEARNER, "rnn_cell"))
    _run_cell_and_next(page, exercise)
    right = _check_output(page, check_cell)
    if "passed" not in right:
        problems.add(f"the answer key's own code got {right!r}, not 'passed'")
    for problem in _page_problems(page, figures=False):  # the answer keys' test reads the figures
        problems.add(problem)
    problems.check()
