// Opens the MLflow UI (3.17.x) in headless Chromium on a finished Anneal pipeline run and asserts what a user sees:
// the nested child runs, metric charts, the datasets, the confusion matrix, and the logged model of the training run.
// Usage: npm run check:ui [-- <pipeline run id>]   (default: the newest finished fineTune run; MLFLOW_TRACKING_URI's server)
// Env: CHROME (default /usr/bin/chromium), SHOTS (default .anneal/ui-shots), PAGE_TIMEOUT_MS (default 30000). Exit 1 on any failure.
import puppeteer from 'puppeteer-core';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';

const BASE = (process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:5000').replace(/\/$/, '');
const SHOTS = process.env.SHOTS ?? new URL('../../.anneal/ui-shots/', import.meta.url).pathname;
const TIMEOUT = Number(process.env.PAGE_TIMEOUT_MS ?? 30000);
const t0 = Date.now();

async function api(path, body) {
  const res = await fetch(
    `${BASE}/api/2.0/mlflow/${path}`,
    body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : undefined,
  );
  if (!res.ok) throw new Error(`REST ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}
const kv = (list = []) => Object.fromEntries(list.map((x) => [x.key, x.value]));
const nameOf = (r) => r.info.run_name;

// ---- find the runs to look at through the REST API ----
let pipeline = process.argv[2] && (await api(`runs/get?run_id=${process.argv[2]}`)).run;
if (!pipeline) {
  const { experiments } = await api('experiments/search', { max_results: 1000 });
  [pipeline] =
    (
      await api('runs/search', {
        experiment_ids: experiments.map((e) => e.experiment_id),
        max_results: 1,
        filter: "tags.`anneal.workflowType` = 'fineTune' and attributes.status = 'FINISHED'",
        order_by: ['attributes.start_time DESC'],
      })
    ).runs ?? [];
}
if (!pipeline || pipeline.info.status !== 'FINISHED') throw new Error('no FINISHED pipeline run (tag anneal.workflowType) found');
const exp = pipeline.info.experiment_id,
  pid = pipeline.info.run_id;
const all = [];
for (let token; ;) {
  const page = await api('runs/search', { experiment_ids: [exp], max_results: 1000, page_token: token });
  all.push(...(page.runs ?? []));
  if (!(token = page.next_page_token)) break;
}
const kids = all.filter((r) => kv(r.data.tags)['mlflow.parentRunId'] === pid);
const splitRun = kids.toSorted((a, b) => (b.inputs?.dataset_inputs?.length ?? 0) - (a.inputs?.dataset_inputs?.length ?? 0))[0];
// Several candidates are evaluated on the test split; prefer the one the register step registered (same model.digest).
const champion = kv(kids.find((r) => kv(r.data.tags)['anneal.registered'])?.data.params)['model.digest'];
const tests = kids.filter((r) => kv(r.data.params)['dataset.name']?.endsWith('.test'));
const evalRun = tests.find((r) => kv(r.data.params)['model.digest'] === champion) ?? tests[0];
const trainRun = evalRun && all.find((r) => kv(r.data.tags)['anneal.model.digest'] === kv(evalRun.data.params)['model.digest']);
async function findArtifact(runId, re, path = '') {
  for (const f of (await api(`artifacts/list?run_id=${runId}&path=${encodeURIComponent(path)}`)).files ?? []) {
    const hit = f.is_dir ? await findArtifact(runId, re, f.path) : re.test(f.path) && f.path;
    if (hit) return hit;
  }
}
const cmPath = evalRun && (await findArtifact(evalRun.info.run_id, /confusion[^/]*\.(png|svg)$/));
console.log(
  `pipeline ${pid} "${nameOf(pipeline)}" (experiment ${exp}): ${kids.length} child runs; datasets on "${splitRun && nameOf(splitRun)}";` +
    ` confusion matrix ${cmPath} on "${evalRun && nameOf(evalRun)}"; training curves on "${trainRun && nameOf(trainRun)}"`,
);

// ---- browser ----
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
  defaultViewport: { width: 1400, height: 900 },
});
let peakKiB = 0; // Chromium's memory: PSS summed over the browser's process tree, sampled every 250 ms
const tree = (root) => {
  const ps = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      try {
        return [d, readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]];
      } catch {
        return null;
      }
    })
    .filter(Boolean);
  const out = [String(root)];
  for (let i = 0; i < out.length; i++) out.push(...ps.filter(([, pp]) => pp === out[i]).map(([p]) => p));
  return out;
};
const pss = (p) => {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))[1]);
  } catch {
    return 0;
  }
};
const sampler = setInterval(() => {
  peakKiB = Math.max(
    peakKiB,
    tree(browser.process().pid).reduce((s, p) => s + pss(p), 0),
  );
}, 250);

const url = (runId, tab = '') => `${BASE}/#/experiments/${exp}/runs/${runId}${tab}?workflowType=machine_learning`;
const sel = (s) => s.replaceAll('"', '\\"');
const failures = [];
const CHECKS = 7;
async function check(name, pageUrl, body, missing) {
  if (missing) {
    failures.push(`${name}: missing ${missing}`);
    console.error(`FAIL ${name}: missing ${missing}`);
    return;
  }
  const page = await browser.newPage();
  // Keep the "MLflow Assistant" side panel from opening on first load (it covers a third of the page).
  await page.evaluateOnNewDocument(() => {
    localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
    localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
  });
  page.setDefaultTimeout(TIMEOUT);
  const start = Date.now();
  const need = async (what, p) => {
    try {
      return await p;
    } catch (e) {
      throw new Error(`missing ${what} (${e.name === 'TimeoutError' ? `not there after ${TIMEOUT} ms` : e.message})`);
    }
  };
  // The app shell is fixed height with an inner scrolling pane, so fullPage alone captures 900 px: grow the viewport to the pane's
  // height (this also makes MLflow render the off-screen chart cards), then assert, then shoot the viewport without another resize.
  const fit = async () => {
    const extra = await page.evaluate(() =>
      Math.max(
        0,
        ...[...document.querySelectorAll('*')].filter((e) => /auto|scroll/.test(getComputedStyle(e).overflowY)).map((e) => e.scrollHeight - e.clientHeight),
      ),
    );
    if (extra > 0) {
      await page.setViewport({ width: 1400, height: Math.min(900 + extra, 12000) });
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  try {
    await need(`page ${pageUrl}`, page.goto(pageUrl, { waitUntil: 'networkidle0', timeout: TIMEOUT }));
    await page.addStyleTag({ content: '.modebar-container { display: none !important; }' }); // plotly toolbars cover the curves in shots
    await body(page, need, fit);
    await page.screenshot({ path: `${SHOTS}/${name}.png` }); // not fullPage: its resize makes MLflow re-render charts/child runs as spinners
    console.log(`ok   ${name} (${Date.now() - start} ms) ${pageUrl}`);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    console.error(`FAIL ${name}: ${e.message}\n     ${pageUrl}`);
    await page.screenshot({ path: `${SHOTS}/${name}-FAILED.png` }).catch(() => {});
  } finally {
    await page.close();
  }
}
// innerText applies CSS text-transform and splits on layout, so compare whitespace-collapsed and case-insensitively.
const text = (page, css, what) =>
  page.waitForFunction(
    (c, w) => [...document.querySelectorAll(c)].some((e) => e.innerText.replace(/\s+/g, ' ').toLowerCase().includes(w.toLowerCase())),
    {},
    css,
    what,
  );
const cardsWithPlots = async (page, need, keys, line) => {
  for (const k of keys) {
    const card = `[data-testid="experiment-view-compare-runs-card"]:has(h4[title="${sel(k)}"])`;
    await need(`chart card "${k}" with a drawn plot`, page.waitForSelector(`${card} .js-plotly-plot .main-svg`));
    if (line) await need(`x-axis "Step" on line chart "${k}"`, text(page, card, 'Step'));
  }
  await need(
    'a drawn plot in every chart card',
    page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="experiment-view-compare-runs-card"]')].every((c) => c.querySelector('.js-plotly-plot .main-svg')),
    ),
  );
};
mkdirSync(SHOTS, { recursive: true });

// (1) pipeline run overview lists every direct child run as a link
await check('1-pipeline-child-runs', url(pid), async (page, need, fit) => {
  if (!kids.length) throw new Error('missing child runs (REST: no run tagged mlflow.parentRunId = this run)');
  await need('"Finished" status', text(page, '[data-testid="key-value-Status"]', 'Finished'));
  const links = '[data-testid="key-value-Child runs"] a';
  await need('"Child runs" row', page.waitForSelector(links));
  for (let more; (more = await page.$('::-p-xpath(//*[@data-testid="key-value-Child runs"]//button[.="Load more"])'));) {
    // 10 per page
    const n = await page.$$eval(links, (a) => a.length);
    await more.click();
    await need(
      `more than ${n} child runs after "Load more"`,
      page.waitForFunction((s, k) => document.querySelectorAll(s).length > k, {}, links, n),
    );
  }
  await fit();
  for (const k of kids)
    await need(`child run link "${nameOf(k)}"`, text(page, `[data-testid="key-value-Child runs"] a[href$="/runs/${k.info.run_id}"]`, nameOf(k)));
});
// (2) model-metric charts: the pipeline's summary metrics, then the winning fine-tune run's training curves
await check('2a-pipeline-model-metrics', url(pid, '/model-metrics'), async (page, need, fit) => {
  const keys = pipeline.data.metrics.map((m) => m.key);
  await need(
    `"Model metrics (${keys.length})" section`,
    text(page, '[data-testid="experiment-view-compare-runs-section-header"]', `Model metrics (${keys.length})`),
  );
  await fit();
  await cardsWithPlots(page, need, keys, false);
});
await check(
  '2b-training-curves',
  url(trainRun?.info.run_id, '/model-metrics'),
  async (page, need, fit) => {
    await need('"Model metrics" section', text(page, '[data-testid="experiment-view-compare-runs-section-header"]', 'Model metrics'));
    await fit();
    await cardsWithPlots(page, need, ['loss', 'accuracy', 'val_loss', 'val_accuracy'], true);
  },
  !trainRun && "a run tagged anneal.model.digest = the test evaluation's model.digest param",
);
// (3) dataset inputs: the split run's Datasets box, and its "Data details" drawer listing train/validation/test
await check(
  '3-datasets',
  url(splitRun?.info.run_id),
  async (page, need) => {
    const inputs = splitRun.inputs.dataset_inputs;
    const label = (d) => `${d.dataset.name} (${d.dataset.digest})`;
    const first = await need(
      `dataset "${label(inputs[0])}" in the Datasets box`,
      page.waitForSelector(`::-p-xpath(//h4[.="Datasets"]/..//*[@role="button"][.//span[.="${label(inputs[0])}"]])`),
    );
    await first.click();
    await need(`drawer text "${inputs.length} datasets used"`, text(page, '[role="dialog"]', `${inputs.length} datasets used`));
    for (const d of inputs) {
      const ctx = kv(d.tags)['mlflow.data.context'] ?? '';
      await need(`drawer entry "${label(d)}" (${ctx})`, text(page, `[role="dialog"] [role="button"][aria-label="${sel(label(d))}"]`, ctx));
    }
    await need(
      'end of the drawer slide-in',
      page.waitForFunction(() => !document.querySelector('[role="dialog"]').getAnimations({ subtree: true }).length),
    );
  },
  !splitRun?.inputs?.dataset_inputs?.length && 'a child run with dataset inputs',
);
// (4) confusion-matrix image in the evaluation run's Artifacts tab (deep link selects the file)
await check(
  '4-confusion-matrix',
  url(evalRun?.info.run_id, `/artifacts/${cmPath}`),
  async (page, need) => {
    const base = cmPath.split('/').pop();
    await need(`artifact tree node "${base}"`, page.waitForSelector(`[data-testid="artifact-tree-node"][artifact-name="${sel(base)}"]`));
    await need(
      `preview image "${base}" loaded`,
      page.waitForFunction((b) => [...document.querySelectorAll('img')].some((i) => i.alt === b && i.complete && i.naturalWidth > 0), {}, base),
    );
  },
  !evalRun ? 'a child run with param dataset.name = *.test' : !cmPath && `a confusion*.png/svg artifact on run ${evalRun.info.run_id}`,
);

// (5) the training run lists the MLflow 3 logged model it produced, and the model's own page shows its test figures
const produced = trainRun && (await api(`runs/get?run_id=${trainRun.info.run_id}`)).run.outputs?.model_outputs?.[0]?.model_id;
await check(
  '5-logged-model',
  url(trainRun?.info.run_id),
  async (page, need, fit) => {
    await need('"Logged models" on the run page', text(page, 'body', 'Logged models'));
    await need(`a link to logged model ${produced}`, page.waitForSelector(`a[href*="${produced}"]`));
    await fit();
  },
  !produced && "a logged model among the training run's outputs",
);
await check(
  '6-logged-model-page',
  `${BASE}/#/experiments/${exp}/models/${produced}?workflowType=machine_learning`,
  async (page, need, fit) => {
    await need('metric test_accuracy on the model page', text(page, 'body', 'test_accuracy'));
    await need('the source run named on the model page', text(page, 'body', nameOf(trainRun)));
    await fit();
  },
  !produced && "a logged model among the training run's outputs",
);

clearInterval(sampler);
await browser.close();
console.log(
  `${failures.length ? 'FAILED' : 'passed'}: ${CHECKS - failures.length}/${CHECKS} checks in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
    `Chromium peak PSS ${(peakKiB / 1024).toFixed(0)} MiB; screenshots in ${SHOTS}`,
);
process.exit(failures.length ? 1 : 0);
