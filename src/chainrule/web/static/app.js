// chainrule's page. It holds the state (the network as the file's structure, the steps taken,
// the costs so far, what is shown) and asks the server for everything else: every number, the
// diagram, the math and the landscape come from the library, as the CLI gets them. No second
// engine here: this file only moves JSON between the server and the page.
"use strict";

// The share link's format; bump it when the state's shape changes (older links still open).
// Version 2 holds the state, not the history: the network as loaded or edited and the steps
// taken since (the network now and every cost are recomputed by the server), deflated.
const STATE_VERSION = 2;
const MAX_LINK_STEPS = 200_000; // a link asks for at most this many steps to be recomputed
const MAX_STATE_BYTES = 1_500_000; // a link's state, inflated (the server takes 1 MB bodies)

const state = {
  start: null,      // the network as loaded or last edited (Reset returns here)
  network: null,    // the network now (after the steps taken)
  steps: 0,         // steps taken since start
  costs: [],        // the cost of each step taken
  view: "weights",  // what the diagram shows: weights, forward or backward
  selected: null,   // {kind: "unit"|"weight"|"bias", name} whose derivation is shown
  landscape: [],    // the weights of the landscape shown
  notation: "handout",
  example: null,
  projector: false,
  data: null,       // the data-set mode's settings and current sample, or null
  testCosts: [],    // in the data-set mode: each epoch's test loss (state.costs: training loss)
};
let current = null; // the last /api/step answer (the next step's numbers and the diagram)

const $ = (id) => document.getElementById(id);

// Data goes into the page as text (textContent, attributes), never as markup. The only markup
// is what the server renders from the library (the diagram, the math, the landscape, the
// feedback), parsed apart from the page and cleaned of anything active before it is shown.

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

function muted(text) {
  return el("p", {class: "muted"}, text);
}

const ACTIVE = "script, iframe, object, embed, meta, base, link, form, foreignObject";

function showMarkup(box, markup, type = "text/html") {
  const doc = new DOMParser().parseFromString(markup, type);
  if (doc.querySelector("parsererror")) throw new Error("the server's answer could not be shown");
  const root = type === "text/html" ? doc.body : doc.documentElement;
  for (const node of root.querySelectorAll(ACTIVE)) node.remove();
  for (const node of [root, ...root.querySelectorAll("*")]) {
    for (const attribute of [...node.attributes]) {
      const v = attribute.value;
      if (/^on/i.test(attribute.name) || /^\s*javascript:/i.test(v) ||
          (/^\s*data:/i.test(v) && !/^\s*data:image\/(png|jpeg|gif);/i.test(v))) {
        node.removeAttribute(attribute.name);
      }
    }
  }
  const nodes = type === "text/html" ? [...root.childNodes] : [root];
  box.replaceChildren(...nodes.map((n) => document.importNode(n, true)));
}

// --- talking to the server --------------------------------------------------------------------

async function api(path, body, as = "json") {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
  };
  let answer;
  for (let attempt = 0; ; attempt++) {
    try {
      answer = await fetch(path, options);
    } catch (e) {
      throw new Error("the chainrule server does not answer (is `chainrule serve` still " +
        "running?)");
    }
    // busy (429): the server says when to ask again; ask once more, then say so
    if (answer.status !== 429 || attempt >= 1) break;
    const wait = Math.min(5, Number(answer.headers.get("retry-after")) || 1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
  if (!answer.ok) {
    let message = `the server answered ${answer.status}`;
    try { message = (await answer.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return as === "json" ? answer.json() : answer.text();
}

function showError(message, where = "error") {
  const bar = $(where) || $("error");
  bar.textContent = message;
  bar.hidden = !message;
}

function clearErrors() {
  for (const bar of document.querySelectorAll("#error, .panel-error")) {
    bar.textContent = "";
    bar.hidden = true;
  }
  for (const input of document.querySelectorAll("[aria-invalid=true]")) {
    input.removeAttribute("aria-invalid");
  }
}

// One action at a time, in the order asked: a click while the server is still answering the
// last one waits for it (so a quick Edit-then-Run never runs the old network).
let queue = Promise.resolve();

function busy(work, where = "error") {
  // where: the id of the error line next to what the action is about (the top bar by default)
  queue = queue.then(async () => {
    document.body.classList.add("busy");
    try {
      clearErrors();
      await work();
    } catch (e) {
      showError(e.message, where);
    } finally {
      document.body.classList.remove("busy");
    }
  });
  return queue;
}

// --- numbers as the handout writes them: 4 decimals, no float noise -------------------------

const DECIMALS = 4;

function fmt4(x) {
  // As the worked solution writes numbers (chainrule.explain.notation.Numbers(4)).
  if (typeof x !== "number" || !Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 0.5 * 10 ** -DECIMALS) {
    const [mantissa, exponent] = x.toExponential(DECIMALS - 1).split("e");
    const power = Number(exponent);
    return `${mantissa}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
  }
  const text = x.toFixed(DECIMALS).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}

function words(name) {
  // A weight's name as it is read out: "x1 -> u3" is "weight from x1 to u3".
  const [from, to] = name.split(" -> ");
  return to === undefined ? name : `from ${from} to ${to}`;
}

function arrows(text) {
  return text.replace(/ -> /g, " → ");
}

// --- the state and the page ------------------------------------------------------------------

async function show(steps = 0, push = false) {
  if (state.data) {
    // The data-set mode: a step is an epoch of chainrule's trainer over the training points;
    // the diagram and the derivations are those of the current sample.
    await trainData(steps);
    steps = 0;
  }
  const answer = await api("/api/step", {network: state.network, steps, view: state.view,
    taken: state.steps, decimals: DECIMALS});
  if (steps) {
    state.network = answer.network;
    state.steps += steps;
    state.costs = state.costs.concat(answer.costs);
  }
  current = answer;
  drawDiagram(answer.diagram);
  drawStatus();
  drawCosts();
  drawParameters();
  drawStructure();
  saveToUrl(push);
  if (state.selected) await derive(state.selected);
  refreshPanels();
}

// The panels that follow the run (the landscape, the answers sheet, the check result) are
// brought up to date after each step or edit, the newest state winning, without holding up
// the next step.
let refreshing = null;
let refreshAgain = false;

function refreshPanels() {
  $("check-result").replaceChildren();
  if (refreshing) { refreshAgain = true; return; }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      try {
        await refreshSheet();
        if (state.landscape.length) await drawLandscape(state.landscape);
      } catch (e) {
        showError(e.message, "landscape-error");
      }
    } while (refreshAgain);
    refreshing = null;
  })();
}

function settled() {
  // For tests and Play: resolves once the page and its panels are up to date.
  return queue.then(() => refreshing).then(() => (refreshing ? settled() : undefined));
}
window.chainruleSettled = settled;

function restart(network) {
  state.start = network;
  state.network = network;
  state.steps = 0;
  state.costs = [];
  state.testCosts = [];
  fillLandscapeChoices();
}

async function begin(network, example = null) {
  state.data = null;
  dataAnswer = null;
  fillDataControls();
  restart(network);
  state.selected = null;
  state.landscape = [];
  state.example = example;
  state.view = "weights";
  $("derivation").replaceChildren(muted("Nothing chosen yet."));
  $("to-derivation").hidden = true;
  $("landscape").replaceChildren();
  sheetFor = null;
  await show(0, true);
}

const VIEW_WORDS = {
  weights: "the weights",
  forward: "the feed-forward of step",
  backward: "the back-propagation of step",
};

let lastExample = "exercise-2"; // the example the page showed last, for leaving a data set

function showExample() {
  // The Example box names what is loaded: the example, or, in its place, the data set being
  // trained or a network of the user's own; Load then waits for an example to be chosen.
  const box = $("example");
  let other = box.querySelector("option[data-other]");
  if (state.example && !state.data) {
    other?.remove();
    box.value = lastExample = state.example;
  } else {
    if (!other) {
      other = el("option", {value: "", disabled: "", "data-other": ""});
      box.prepend(other);
    }
    other.textContent = state.data ? `data set: ${state.data.set} (trained below)`
      : "your own network (a file or a paste)";
    box.value = "";
  }
  $("load-example").disabled = box.value === "";
}

function drawStatus() {
  showExample();
  const title = state.network.title || "untitled network";
  $("title").textContent = "· " + title;
  document.title = `chainrule: ${title}`;
  const next = state.steps + 1;
  let what = state.view === "weights"
    ? (state.steps ? `the weights after step ${state.steps}` : "the weights before step 1")
    : `${VIEW_WORDS[state.view]} ${next}`;
  if (state.data) {
    what = state.view === "weights" ? `the weights after epoch ${state.steps}`
      : `${VIEW_WORDS[state.view].replace(" of step", "")} of sample ${state.data.sample + 1}`;
  }
  const status = $("status");
  status.replaceChildren();
  const add = (text, strong) => {
    const node = strong ? document.createElement("strong") : document.createTextNode(text);
    if (strong) node.textContent = text;
    status.append(node);
  };
  if (state.data) {
    const loss = dataAnswer.loss;
    add("Epochs: "); add(String(state.steps), true);
    add(" · training loss "); add(fmt4(loss.cost), true);
    add(" · test loss "); add(fmt4(loss.test_cost), true);
    add(` · sample ${state.data.sample + 1}: C = `); add(fmt4(current.cost), true);
  } else {
    add(`Steps taken: `); add(String(state.steps), true);
    add(` · cost of step ${next}: C = `); add(fmt4(current.cost), true);
  }
  status.lastChild.title = `C = ${current.cost} (full precision)`;
  status.lastChild.dataset.full = String(current.cost);
  add(` · showing ${what}`);
}

// A diagram is never shrunk below this share of its own size (its 11 px labels stay at 8 px or
// more): a wide one (a dense network's back-propagation) scrolls sideways instead, and says so.
const DIAGRAM_MIN_SCALE = 0.75;

function fitDiagram() {
  const box = $("diagram");
  const svg = box.querySelector("svg");
  if (!svg) return;
  const natural = Number(svg.getAttribute("width")) || 0;
  svg.style.minWidth = natural ? `${Math.round(natural * DIAGRAM_MIN_SCALE)}px` : "";
  box.classList.toggle("wide", box.scrollWidth > box.clientWidth + 1);
}

function drawDiagram(svgText) {
  const box = $("diagram");
  showMarkup(box, svgText, "image/svg+xml");
  const svg = box.querySelector("svg");
  if (!svg) return;
  fitDiagram();
  svg.setAttribute("aria-label", `the network diagram: ${state.view} values`);
  // Thin arrows are hard to hit: a wide transparent copy under each takes the click.
  for (const edge of svg.querySelectorAll("path.edge[data-weight]")) {
    const hit = edge.cloneNode(false);
    hit.setAttribute("class", "hit");
    hit.setAttribute("stroke-width", "16");
    hit.removeAttribute("stroke-dasharray");
    edge.parentNode.insertBefore(hit, edge);
    edge.style.pointerEvents = "none";
    makeChoosable(hit, "weight", edge.dataset.weight, `weight ${words(edge.dataset.weight)}`);
  }
  for (const unit of svg.querySelectorAll("circle.unit[data-unit]")) {
    makeChoosable(unit, "unit", unit.dataset.unit, `unit ${unit.dataset.unit}`);
  }
  for (const label of svg.querySelectorAll("text")) label.setAttribute("aria-hidden", "true");
  markSelected();
}

function makeChoosable(node, kind, name, label) {
  node.setAttribute("tabindex", "0");
  node.setAttribute("role", "button");
  node.setAttribute("aria-label", `${label}: show its derivation`);
  node.dataset.kind = kind;
  node.dataset.name = name;
  const choose = () => busy(() => derive({kind, name}), "derivation-error");
  node.addEventListener("click", choose);
  node.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); }
  });
}

function markSelected() {
  const s = state.selected;
  for (const node of document.querySelectorAll("#diagram .selected, #parameters .selected")) {
    node.classList.remove("selected");
  }
  if (!s) return;
  for (const node of document.querySelectorAll("#diagram [data-kind]")) {
    if (node.dataset.kind === s.kind && node.dataset.name === s.name) {
      node.classList.add("selected");
      const edge = node.nextElementSibling;
      if (s.kind === "weight" && edge) edge.classList.add("selected");
    }
  }
  const row = document.querySelector(
    `#parameters tr[data-kind="${s.kind}"][data-name="${CSS.escape(s.name)}"]`);
  if (row) row.classList.add("selected");
}

async function derive(selected) {
  // No scrolling: the page stays where it is (the derivation is beside the diagram, or below
  // it on a phone, with a link to it under the diagram).
  const body = {network: state.network, notation: state.notation, taken: state.steps,
    [selected.kind]: selected.name};
  const answer = await api("/api/derivation", body);
  state.selected = selected;
  const panel = $("derivation");
  showMarkup(panel, answer.html);
  tidyMath(panel);
  const full = document.createElement("p");
  full.className = "full";
  full.dataset.values = JSON.stringify(answer.values);
  full.textContent = fullPrecision(answer);
  panel.append(full);
  const jump = $("to-derivation");
  jump.textContent = `Derivation of ${selected.kind} ${arrows(selected.name)} ↓`;
  jump.hidden = false;
  markSelected();
  saveToUrl();
}

// The worked solution's lines, made to fit: each line breaks before its "=" signs when the
// panel is narrow (each side of an "=" is its own piece of math, wrapped like words), the
// title's symbols become math, and arrows read as arrows.
const MATHML = "http://www.w3.org/1998/Math/MathML";

function tidyMath(panel) {
  for (const rhs of panel.querySelectorAll(".rhs")) {
    const math = rhs.querySelector("math");
    const row = math && math.firstElementChild;
    if (!row || row.localName !== "mrow") continue;
    const pieces = [];
    let piece = null;
    for (const node of [...row.childNodes]) {
      if (node.localName === "mo" && node.textContent.trim() === "=" || !piece) {
        piece = document.createElementNS(MATHML, "mrow");
        pieces.push(piece);
      }
      piece.append(node);
    }
    const forms = el("span", {class: "forms"});
    for (const p of pieces) {
      const m = document.createElementNS(MATHML, "math");
      m.setAttribute("display", "inline");
      m.append(p);
      forms.append(m);
    }
    rhs.replaceChildren(forms);
  }
  const title = panel.querySelector(".chainrule h1");
  if (title) titleAsMath(title);
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.data.includes(" -> ")) node.data = arrows(node.data);
  }
}

function titleAsMath(title) {
  // "The weight w_(x1,u3)^(L-1) (x1 -> u3)", "w_ij^(L-1)", "b_k^(L)": symbols as math.
  const symbol = /\b([A-Za-z])_(\([^()]*\)|[A-Za-z0-9]+)(?:\^\(([^()]*)\))?/g;
  const text = title.textContent;
  const parts = [];
  let at = 0;
  for (const m of text.matchAll(symbol)) {
    parts.push(text.slice(at, m.index));
    const mi = (t) => {
      const node = document.createElementNS(MATHML, "mi");
      node.textContent = t;
      return node;
    };
    const sub = m[2].replace(/^\(|\)$/g, "");
    const node = document.createElementNS(MATHML, m[3] ? "msubsup" : "msub");
    node.append(mi(m[1]), mi(sub));
    if (m[3]) node.append(mi(`(${m[3]})`));
    const math = document.createElementNS(MATHML, "math");
    math.append(node);
    parts.push(math);
    at = m.index + m[0].length;
  }
  parts.push(text.slice(at));
  title.replaceChildren(...parts.map((p) => (typeof p === "string" ? arrows(p) : p)));
  // read as words: "The weight w i j (L-1), from i to j"
  title.setAttribute("aria-label", text
    .replace(symbol, (_, base, sub, sup) =>
      `${base} ${sub.replace(/[(),]/g, " ").trim()}${sup ? ` (${sup})` : ""}`)
    .replace(/\(([A-Za-z0-9_]+) -> ([A-Za-z0-9_]+)\)/g, ", from $1 to $2"));
}

function fullPrecision(answer) {
  const v = answer.values;
  if (answer.kind === "unit") {
    const u = v.units[0];
    return "Full precision (sample 1): " + Object.entries(u)
      .filter(([k]) => k !== "layer").map(([k, x]) => `${k} = ${x}`).join(", ");
  }
  return `Full precision: before ${v.before}, dC/d${answer.kind === "weight" ? "w" : "b"} = ` +
    `${v.gradient}, after ${v.after}`;
}

// --- the cost curve (the server's numbers, drawn as a line) ----------------------------------

function drawCosts() {
  const box = $("cost-curve");
  const costs = state.costs;
  $("cost-heading").textContent = state.data ? "Training and test loss per epoch"
    : "Cost per step";
  if (!costs.length) {
    box.replaceChildren(muted("Press Step or Run N: each step's cost is drawn here."));
    return;
  }
  const W = 600, H = 200, L = 64, R = 12, T = 12, B = 34;
  const unit = state.data ? "epoch" : "step";
  // a loop, not Math.max(...costs): a long run has more costs than a call takes arguments
  let hi = -Infinity, lo = 0;
  for (const c of costs) {
    if (c > hi) hi = c;
    if (c < lo) lo = c;
  }
  for (const c of state.data ? state.testCosts : []) {
    if (c > hi) hi = c;
    if (c < lo) lo = c;
  }
  const x = (i) => L + (costs.length === 1 ? 0 : (i * (W - L - R)) / (costs.length - 1));
  const y = (c) => T + (hi === lo ? 0 : ((hi - c) * (H - T - B)) / (hi - lo));
  // at most ~1,000 points drawn (every k-th step, and the last): the line looks the same
  const every = Math.max(1, Math.ceil(costs.length / 1000));
  const line = (series) => series
    .map((c, i) => (i % every === 0 || i === series.length - 1
      ? `${x(i).toFixed(1)},${y(c).toFixed(1)}` : null))
    .filter((p) => p !== null).join(" ");
  const points = line(costs);
  const last = costs[costs.length - 1];
  const text = (attributes, words) => svgEl("text", attributes, words);
  const picture = svgEl("svg", {viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `cost per step: ${costs.length} steps, last ${fmt(last)}`,
    "font-family": "DejaVu Sans, sans-serif", "font-size": 13},
  svgEl("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999"}),
  svgEl("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#999"}),
  text({x: L - 6, y: T + 10, "text-anchor": "end"}, fmt(hi)),
  text({x: L - 6, y: H - B, "text-anchor": "end"}, fmt(lo)),
  text({x: L, y: H - 10}, `${unit} 1`),
  svgEl("polyline", {points, fill: "none", stroke: "#0072B2", "stroke-width": 2.5}),
  text({x: (L + W - R) / 2, y: H - 10, "text-anchor": "middle", fill: "#555"},
    state.data ? "" : `C of step ${costs.length}: ${fmt(last)}`));
  if (costs.length > 1) {
    picture.append(text({x: W - R, y: H - 10, "text-anchor": "end"}, `${unit} ${costs.length}`));
  }
  if (state.data && state.testCosts.length === costs.length) {
    picture.append(svgEl("polyline", {points: line(state.testCosts), fill: "none",
      stroke: "#D55E00",
      "stroke-width": 2.5, "stroke-dasharray": "6 4"}));
    picture.append(text({x: W - R, y: T + 10, "text-anchor": "end", fill: "#D55E00"},
      `test loss (dashed) ${fmt4(state.testCosts[state.testCosts.length - 1])}`));
    picture.append(text({x: W - R, y: T + 26, "text-anchor": "end", fill: "#0072B2"},
      `training loss (during the epoch) ${fmt4(costs[costs.length - 1])}`));
  }
  if (costs.length < 60) {
    costs.forEach((c, i) => picture.append(svgEl("circle",
      {cx: x(i).toFixed(1), cy: y(c).toFixed(1), r: 3.5, fill: "#0072B2"},
      svgEl("title", {}, `step ${i + 1}: C = ${fmt4(c)}`))));
  }
  box.replaceChildren(picture);
}

function fmt(x) {
  return Math.abs(x) >= 1e-4 || x === 0 ? fmt4(x) : x.toExponential(2);
}

// --- the values, editable --------------------------------------------------------------------

function value(entry) {
  return entry !== null && typeof entry === "object" && "value" in entry ? entry.value : entry;
}

function drawParameters() {
  // A box being typed in when the run moves on keeps what is typed, and its focus.
  const active = document.activeElement;
  const typing = active && active.matches("#parameters input[data-path]")
    ? {id: active.id, value: active.value} : null;
  const net = state.network;
  const table = el("table");
  const section = (title) => table.append(el("tr", {}, el("th", {colspan: "3"}, title)));
  const row = (kind, name, label, number, path, derivable) => {
    const id = "p-" + path.map((p) => String(p).replace(/[^A-Za-z0-9_]/g, "_")).join("-");
    const input = el("input", {id, type: "text", inputmode: "decimal", spellcheck: "false",
      title: `${label} = ${number}`, "aria-describedby": `${id}-error`});
    input.dataset.path = JSON.stringify(path);
    input.dataset.full = String(number);
    input.value = fmt4(number); // the whole number while it is edited
    const cell = el("td");
    if (derivable) {
      const button = el("button", {type: "button", title: "show its derivation",
        "aria-label": `derivation of ${kind === "weight" ? "weight " + words(name) : label}`},
      "∂");
      button.dataset.deriveKind = kind;
      button.dataset.deriveName = name;
      cell.append(button);
    }
    const problem = el("span", {id: `${id}-error`, class: "panel-error field-error",
      role: "alert"});
    problem.hidden = true;
    const tr = el("tr", {}, el("td", {class: "name"}, el("label", {for: id,
      "aria-label": kind === "weight" ? `weight ${words(name)}` : label}, arrows(label))),
    el("td", {}, input, problem), cell);
    tr.dataset.kind = kind;
    tr.dataset.name = name;
    table.append(tr);
  };
  section("Learning rate");
  row("rate", "r", "r", net.learning_rate ?? 0.1, ["learning_rate"], false);
  section("Weights");
  for (const [name, entry] of Object.entries(net.weights)) {
    row("weight", name, name + (typeof entry === "object" && entry.trainable === false
      ? " (frozen)" : ""), value(entry), ["weights", name], true);
  }
  if (net.biases && Object.keys(net.biases).length) {
    section("Biases");
    for (const [name, entry] of Object.entries(net.biases)) {
      row("bias", name, "b " + name, value(entry), ["biases", name], true);
    }
  }
  net.samples.forEach((sample, i) => {
    section(net.samples.length > 1 ? `Sample ${i + 1}` : "Sample");
    for (const [name, x] of Object.entries(sample.inputs)) {
      row("input", name, `input ${name}`, x, ["samples", i, "inputs", name], false);
    }
    for (const [name, y] of Object.entries(sample.targets)) {
      row("target", name, `target ${name}`, y, ["samples", i, "targets", name], false);
    }
  });
  $("parameters").replaceChildren(table);
  if (typing) {
    const again = document.getElementById(typing.id);
    if (again) {
      again.focus();
      again.value = typing.value;
    }
  }
  markSelected();
}

async function edit(input) {
  const path = JSON.parse(input.dataset.path);
  const text = input.value.trim();
  if (text === input.dataset.full || text === fmt4(Number(input.dataset.full))) return;
  const number = Number(text);
  // Not a number: sent as it is, so the server's loader says what is wrong, as for a file.
  const given = text !== "" && Number.isFinite(number) ? number : text;
  const network = structuredClone(state.network);
  let parent = network;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1];
  if (parent[last] !== null && typeof parent[last] === "object") parent[last].value = given;
  else parent[last] = given;
  const refused = (e) => {
    // Shown at its field, and rolled back: the run goes on with the value it had.
    const box = document.getElementById(input.id) || input;
    box.value = fmt4(Number(box.dataset.full));
    box.setAttribute("aria-invalid", "true");
    const problem = $(`${box.id}-error`);
    if (!problem) throw e;
    problem.textContent = `${text}: ${e.message}`;
    problem.hidden = false;
  };
  try {
    await api("/api/toml", {network}, "text"); // checked by the server's loader before it is kept
  } catch (e) {
    refused(e);
    return;
  }
  // A value the loader takes can still make the step impossible (an infinite cost): then the
  // run keeps the network it had, and says so at the field.
  const before = {start: state.start, network: state.network, steps: state.steps,
    costs: state.costs, testCosts: state.testCosts};
  restart(network);
  try {
    await show(0, true);
  } catch (e) {
    Object.assign(state, before);
    fillLandscapeChoices();
    refused(e);
    return;
  }
  const again = document.getElementById(input.id);
  if (again && document.activeElement === document.body) again.focus();
}

// --- the data-set mode (as TensorFlow Playground has it) ---------------------------------------

let dataAnswer = null; // the last /api/dataset answer: the boundary, the points, the losses

function parameterCount() {
  return Object.keys(state.network.weights).length +
    Object.keys(state.network.biases || {}).length;
}

function dataSettings() {
  const d = state.data;
  return {set: d.set, hidden: d.hidden, activation: d.activation,
    learning_rate: d.learning_rate};
}

async function trainData(epochs) {
  // a server's worth of epochs at a time (it trains at most 500, fewer for a large network)
  const most = Math.min(500, Math.max(1, Math.floor(30_000 / parameterCount())));
  while (epochs > most) {
    await trainData(most);
    epochs -= most;
  }
  const answer = await api("/api/dataset", {network: state.network, data: dataSettings(),
    epochs, taken: state.steps, sample: state.data.sample});
  state.network = answer.network;
  if (epochs) {
    state.steps += epochs;
    state.costs = state.costs.concat(answer.history.map((h) => h.cost));
    state.testCosts = state.testCosts.concat(answer.history.map((h) => h.test_cost));
  }
  dataAnswer = answer;
  drawData();
}

function readSettings() {
  const hidden = $("hidden").value.split(/[ ,]+/).filter((t) => t).map(Number);
  const rate = Number($("data-rate").value);
  return {set: $("data-set").value, hidden, activation: $("data-activation").value,
    learning_rate: rate, sample: Math.max(0, Number($("data-sample").value) - 1) || 0};
}

async function startData(settings, start = null) {
  // A fresh network for the data set (or `start`, from a link), before any epoch.
  state.data = settings;
  const answer = await api("/api/dataset", {network: start, data: dataSettings(), epochs: 0,
    sample: settings.sample});
  restart(answer.network);
  state.selected = null;
  state.landscape = [];
  state.example = null;
  $("derivation").replaceChildren(muted("Nothing chosen yet."));
  $("to-derivation").hidden = true;
  $("landscape").replaceChildren();
  fillDataControls();
}

function fillDataControls() {
  const on = Boolean(state.data);
  $("data-view").hidden = !on;
  document.body.classList.toggle("data-mode", on);
  if (!on) { $("data-set").value = ""; return; }
  $("data-set").value = state.data.set;
  $("hidden").value = state.data.hidden.join(", ");
  $("data-activation").value = state.data.activation;
  $("data-rate").value = String(state.data.learning_rate);
  $("data-sample").value = String(state.data.sample + 1);
}

const CLASS_COLOURS = ["#E69F00", "#0072B2"]; // label 0, 1 (colour-blind safe)

function mix(p) {
  // The network's output p = P(label 1) as a colour: orange at 0, white at 0.5, blue at 1.
  const from = p < 0.5 ? [230, 159, 0] : [0, 114, 178];
  const t = Math.min(1, Math.abs(p - 0.5) * 2) * 0.75;
  const c = from.map((v) => Math.round(255 + (v - 255) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function drawData() {
  const a = dataAnswer;
  if (!a) return;
  const S = 300, pad = 28;
  const xs = a.boundary.x, ys = a.boundary.y, n = xs.length;
  const sx = (v) => pad + ((v - xs[0]) / (xs[n - 1] - xs[0])) * (S - 2 * pad);
  const sy = (v) => S - pad - ((v - ys[0]) / (ys[n - 1] - ys[0])) * (S - 2 * pad);
  const cell = (S - 2 * pad) / (n - 1);
  const picture = svgEl("svg", {viewBox: `0 0 ${S} ${S}`, role: "img",
    "aria-label": `decision boundary of the network over the ${state.data.set} data set, ` +
      `epoch ${state.steps}`, "font-family": "DejaVu Sans, sans-serif", "font-size": 11});
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      picture.append(svgEl("rect", {x: (sx(xs[i]) - cell / 2).toFixed(1),
        y: (sy(ys[j]) - cell / 2).toFixed(1), width: (cell + 0.6).toFixed(1),
        height: (cell + 0.6).toFixed(1), fill: mix(a.boundary.p[j * n + i])}));
    }
  }
  const dots = (set, test) => set.x.forEach(([x1, x2], k) => {
    picture.append(svgEl("circle", {cx: sx(x1).toFixed(1), cy: sy(x2).toFixed(1), r: 3.2,
      fill: CLASS_COLOURS[set.label[k]], stroke: test ? "#222" : "#fff",
      "stroke-width": test ? 1 : 0.8, class: test ? "test" : "train"}));
  });
  dots(a.test, true);
  dots(a.train, false);
  const [x1, x2] = a.train.x[state.data.sample];
  picture.append(svgEl("circle", {cx: sx(x1).toFixed(1), cy: sy(x2).toFixed(1), r: 8,
    fill: "none", stroke: "#b8007a", "stroke-width": 2.5, class: "current"}));
  picture.append(svgEl("text", {x: S / 2, y: S - 6, "text-anchor": "middle"}, "x1"));
  picture.append(svgEl("text", {x: 10, y: S / 2, "text-anchor": "middle",
    transform: `rotate(-90 10 ${S / 2})`}, "x2"));
  $("boundary").replaceChildren(picture);
  $("data-sample-text").textContent = `of ${a.train.x.length} training points: x1 = ` +
    `${fmt4(x1)}, x2 = ${fmt4(x2)}, label ${a.train.label[state.data.sample]} (circled); ` +
    "filled dots train, dark-ringed dots test";
}

// --- Play: keeps stepping, the diagram animating ----------------------------------------------

let playing = false;

function setPlaying(on) {
  playing = on;
  $("play").textContent = on ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(on));
  if (on) playLoop();
}

async function playLoop() {
  while (playing) {
    const perSecond = Number($("speed").value);
    const each = perSecond > 10 ? Math.round(perSecond / 10) : 1; // steps per frame
    const wait = perSecond > 10 ? 100 : 1000 / perSecond;
    const started = performance.now();
    let ok = true;
    await busy(async () => {
      if (!playing) return;
      try {
        await show(each);
      } catch (e) {
        ok = false;
        throw e;
      }
    }, "step-error");
    if (!ok) { setPlaying(false); break; }
    const left = wait - (performance.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
}

// --- the network's structure, editable in place ----------------------------------------------

let CHOICES = {activations: [], costs: []};

function activationOf(entry) {
  return typeof entry === "string" ? entry : entry.activation;
}

function drawStructure() {
  const layers = current.layers || [];
  const box = $("structure");
  const rows = layers.map((names, k) => {
    const depth = layers.length - 1 - k;
    const layerName = depth === 0 ? "L" : `L-${depth}`;
    const hidden = k > 0 && k < layers.length - 1;
    const row = el("div", {class: "layer", role: "group",
      "aria-label": `layer ${layerName}`});
    row.append(el("span", {class: "layer-name"}, `Layer ${layerName}`));
    for (const name of names) {
      const entry = state.network.units[name];
      const chip = el("span", {class: "unit-chip"}, el("strong", {}, name));
      if (activationOf(entry) !== "input") {
        const select = el("select", {"aria-label": `activation of unit ${name}`});
        for (const a of CHOICES.activations) select.append(el("option", {value: a}, a));
        select.value = activationOf(entry);
        select.addEventListener("change", () => reshape(
          {operation: "activation", unit: name, value: select.value}));
        chip.append(select);
      } else {
        chip.append(el("span", {class: "muted"}, " input"));
      }
      if (names.length > 1) {
        const remove = el("button", {type: "button", class: "small",
          "aria-label": `remove unit ${name}`, title: `remove unit ${name}`}, "×");
        remove.addEventListener("click", () => reshape({operation: "remove-unit", unit: name}));
        chip.append(remove);
      }
      row.append(chip);
    }
    const add = el("button", {type: "button", class: "small",
      "aria-label": `add a unit to layer ${layerName}`, title: "add a unit to this layer"},
    "+ unit");
    add.addEventListener("click", () => reshape({operation: "add-unit", layer: k}));
    row.append(add);
    if (hidden) {
      const drop = el("button", {type: "button", class: "small",
        "aria-label": `remove layer ${layerName}`}, "remove layer");
      drop.addEventListener("click", () => reshape({operation: "remove-layer", layer: k}));
      row.append(drop);
    }
    return row;
  });
  box.replaceChildren(...rows);
  const cost = $("cost");
  if (!cost.options.length) {
    for (const c of CHOICES.costs) cost.append(el("option", {value: c}, c));
  }
  cost.value = state.network.cost || "squared_error";
}

function reshape(change) {
  // One edit of the structure: checked by the server's loader; the run starts again from it.
  busy(async () => {
    const answer = await api("/api/edit", {network: state.network, ...change});
    restart(answer.network);
    await show(0, true);
  }, "network-error").then(() => {
    // a refused edit leaves the controls showing the network as it is
    if (!$("network-error").hidden) drawStructure();
  });
}

// --- the loss landscape ----------------------------------------------------------------------

function fillLandscapeChoices() {
  const names = Object.entries(state.network.weights)
    .filter(([, e]) => !(typeof e === "object" && e.trainable === false)).map(([n]) => n);
  const options = (none) => (none ? [el("option", {value: ""}, "(none)")] : [])
    .concat(names.map((n) => el("option", {value: n}, arrows(n))));
  $("land-1").replaceChildren(...options(false));
  $("land-2").replaceChildren(...options(true));
}

async function drawLandscape(chosen = null) {
  const weights = chosen || [$("land-1").value, $("land-2").value].filter((w) => w);
  if (!weights.length) return;
  const box = $("landscape");
  box.setAttribute("aria-busy", "true");
  if (!box.querySelector("svg")) box.replaceChildren(muted("Drawing the landscape…"));
  const network = state.network;
  const svg = await api("/api/landscape", {network, weights, steps: 20}, "text");
  box.removeAttribute("aria-busy");
  if (network !== state.network && chosen) return; // a newer state is being drawn
  state.landscape = weights;
  box.dataset.steps = String(state.steps);
  showMarkup(box, svg, "image/svg+xml");
  $("landscape").append(muted("The cost with every other parameter held at its value now; " +
    "the dots are the next 20 descent steps of these weights alone."));
  const picture = $("landscape").querySelector("svg");
  if (picture) {
    picture.setAttribute("role", "img");
    picture.setAttribute("aria-label", `loss landscape over ${weights.join(" and ")}`);
  }
  saveToUrl();
}

// --- checking a student's answers (the library's `chainrule check`) ---------------------------

let sheetFor = null; // the network the sheet was written for
let sheetBlank = ""; // the sheet as it was handed out (untouched if it is still this)

async function blankSheet() {
  const network = state.network;
  const text = await api("/api/answers-template", {network, taken: state.steps}, "text");
  if (network !== state.network) return;
  $("answers").value = sheetBlank = text;
  sheetFor = network;
  $("sheet-note").hidden = true;
  $("check-result").replaceChildren();
}

async function refreshSheet() {
  // An untouched sheet follows the run; one being filled in is kept, with a note that says so.
  if (sheetFor === state.network) return;
  if (!$("answers").value || $("answers").value === sheetBlank) {
    await blankSheet();
    return;
  }
  const note = $("sheet-note");
  note.textContent = `The page is at step ${state.steps + 1} now; your sheet is kept as you ` +
    `wrote it (its step line says which step it marks). Blank sheet starts one for step ` +
    `${state.steps + 1}.`;
  note.hidden = false;
}

let marked = null; // the sheet, network and step of the result shown, to mark it again

async function checkAnswers(sheet = null) {
  const box = $("check-result");
  box.replaceChildren(); // an old result never stays beside a new sheet
  marked = sheet ?? {network: state.network, answers: $("answers").value, taken: state.steps};
  const answer = await api("/api/check",
    {network: marked.network, answers: marked.answers, name: "your answers",
      taken: marked.taken, notation: state.notation});
  showMarkup(box, answer.html);
  phrases(box, answer);
  const score = document.createElement("p");
  score.className = "score";
  score.textContent = `Score ${answer.score} of ${answer.max_score}` +
    (answer.all_right && answer.tests.length ? ": all right" : "");
  box.prepend(score);
}

function phrases(box, answer) {
  // The marking table names each mistake by its phrase ("the 2 of 2(a - y) dropped"), not by
  // its id; the id stays in a tooltip.
  const titles = new Map();
  for (const test of answer.tests || []) {
    for (const m of test.mistakes || []) titles.set(m.id, m.title);
  }
  for (const cell of box.querySelectorAll("td")) {
    const text = cell.textContent;
    const id = [...titles.keys()].find((k) => text.includes(k));
    if (id) {
      cell.textContent = text.replace(id, titles.get(id)).replace(/^WRONG:/, "wrong:");
      cell.title = `mistake id: ${id}`;
    }
  }
}

// --- downloads -------------------------------------------------------------------------------

const DOWNLOADS = {
  toml: ["network.toml", "application/toml"],
  svg: ["network.svg", "image/svg+xml"],
  markdown: ["solution.md", "text/markdown"],
  html: ["solution.html", "text/html"],
  latex: ["solution.tex", "application/x-latex"],
};

async function download(kind) {
  let text;
  if (kind === "toml") text = await api("/api/toml", {network: state.network}, "text");
  else if (kind === "svg") text = current.diagram;
  else {
    text = await api("/api/solution",
      {network: state.network, format: kind, notation: state.notation}, "text");
  }
  const [name, type] = DOWNLOADS[kind];
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {type}));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// --- the share link: the URL's fragment holds the exact state --------------------------------

function toBase64url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function deflate(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function inflate(bytes) {
  // Read at most MAX_STATE_BYTES: a link is not allowed to inflate into a memory bomb.
  const reader = new Blob([bytes]).stream()
    .pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_STATE_BYTES) {
      await reader.cancel();
      throw new Error("this link's state is larger than the page opens");
    }
    parts.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const part of parts) { all.set(part, at); at += part.length; }
  return new TextDecoder("utf-8", {fatal: true}).decode(all);
}

function shared() {
  const saved = {version: STATE_VERSION, start: state.start, steps: state.steps};
  // Only what differs from a fresh page: the link stays short.
  if (state.view !== "weights") saved.view = state.view;
  if (state.selected) saved.selected = state.selected;
  if (state.landscape.length) saved.landscape = state.landscape;
  if (state.notation !== "handout") saved.notation = state.notation;
  if (state.example) saved.example = state.example;
  if (state.projector) saved.projector = true;
  if (state.data) saved.data = state.data;
  return saved;
}

let saving = 0; // the newest save wins (deflating is asynchronous)

async function saveToUrl(push = false) {
  const mine = ++saving;
  document.documentElement.dataset.link = "saving";
  const hash = `#v=${STATE_VERSION}&s=${toBase64url(await deflate(JSON.stringify(shared())))}`;
  if (mine !== saving) return;
  if (hash !== location.hash) {
    if (push) history.pushState(null, "", hash);
    else history.replaceState(null, "", hash);
  }
  document.documentElement.dataset.link = "saved"; // the address bar holds the state now
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}( -> [A-Za-z][A-Za-z0-9_]{0,63})?$/;

function checked(saved) {
  // Every value of a link is checked here (the network by the server's loader) before use.
  const fail = (key, what) => {
    throw new Error(`this link's state is not valid: ${key} ${what}; the page shows an ` +
      "example instead");
  };
  const isObject = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
  if (!isObject(saved)) fail("state", "is not an object");
  if (!isObject(saved.start)) fail("start", "is not a network");
  const steps = saved.steps ?? 0;
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_LINK_STEPS) {
    fail("steps", `must be a whole number from 0 to ${MAX_LINK_STEPS}`);
  }
  const view = saved.view ?? "weights";
  if (!["weights", "forward", "backward"].includes(view)) {
    fail("view", "must be weights, forward or backward");
  }
  const notation = saved.notation ?? "handout";
  if (!["handout", "aima"].includes(notation)) fail("notation", "must be handout or aima");
  let selected = saved.selected ?? null;
  if (selected !== null && !(isObject(selected) &&
      ["unit", "weight", "bias"].includes(selected.kind) &&
      typeof selected.name === "string" && NAME.test(selected.name))) {
    fail("selected", "must name a unit, weight or bias");
  }
  if (selected) selected = {kind: selected.kind, name: selected.name};
  const landscape = saved.landscape ?? [];
  if (!Array.isArray(landscape) || landscape.length > 2 ||
      !landscape.every((w) => typeof w === "string" && NAME.test(w))) {
    fail("landscape", "must be one or two weight names");
  }
  const example = saved.example ?? null;
  if (example !== null && !(typeof example === "string" && /^[a-z0-9-]{1,64}$/.test(example))) {
    fail("example", "must be an example's name");
  }
  const projector = saved.projector ?? false;
  if (typeof projector !== "boolean") fail("projector", "must be true or false");
  let data = saved.data ?? null;
  if (data !== null) {
    const ok = isObject(data) && ["circle", "xor", "gaussian", "spiral"].includes(data.set) &&
      Array.isArray(data.hidden) && data.hidden.length <= 4 &&
      data.hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 8) &&
      ["tanh", "relu", "sigmoid", "identity", "leaky_relu"].includes(data.activation) &&
      typeof data.learning_rate === "number" && data.learning_rate > 0 &&
      data.learning_rate <= 10 && Number.isInteger(data.sample) && data.sample >= 0 &&
      data.sample < 100;
    if (!ok) fail("data", "must be a data set's settings");
    data = {set: data.set, hidden: data.hidden, activation: data.activation,
      learning_rate: data.learning_rate, sample: data.sample};
  }
  return {start: saved.start, steps, view, notation, selected, landscape, example, projector,
    data};
}

function asWritten(key, value, context) {
  // A number JSON.parse would change (1e-999999999999999999 reads as 0, 1e999 as Infinity,
  // 4e-320 loses digits) is kept as written, so the server's loader refuses it with the CLI's line.
  if (typeof value !== "number" || !context || typeof context.source !== "string") return value;
  const changed = !Number.isFinite(value) ||
    (value === 0 && /[1-9]/.test(context.source.split(/[eE]/)[0])) ||
    (value !== 0 && Math.abs(value) < 2.2250738585072014e-308);
  if (!changed) return value;
  if (typeof JSON.rawJSON === "function") return JSON.rawJSON(context.source);
  throw new Error(`this link's state holds ${context.source.slice(0, 40)}, a number this page ` +
    "cannot read as written");
}

async function readLink(params) {
  const version = Number(params.get("v"));
  if (version === 2 && params.has("s")) {
    let saved;
    try {
      saved = JSON.parse(await inflate(fromBase64url(params.get("s"))), asWritten);
    } catch (e) {
      throw new Error(e.message.startsWith("this link") ? e.message
        : "this link's state cannot be read (was it cut short when copied?)");
    }
    if (saved.version !== 2) throw new Error("this link's state is not valid: version");
    return checked(saved);
  }
  if (version === 1 && params.has("state")) { // the first links: plain JSON, with the history
    let saved;
    try {
      const bytes = fromBase64url(params.get("state"));
      if (bytes.length > MAX_STATE_BYTES) throw new Error("too large");
      saved = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(bytes), asWritten);
    } catch (e) {
      throw new Error("this link's state cannot be read (was it cut short when copied?)");
    }
    return checked(saved);
  }
  throw new Error(`this link was made by a page of state version ${params.get("v")}; this ` +
    `page reads versions 1 and ${STATE_VERSION}`);
}

async function restoreFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("v")) return false;
  let saved;
  try {
    saved = await readLink(params);
  } catch (e) {
    history.replaceState(null, "", location.pathname);
    throw e;
  }
  await api("/api/toml", {network: saved.start}, "text"); // the server's loader checks it
  setPlaying(false);
  state.data = saved.data;
  dataAnswer = null;
  fillDataControls();
  Object.assign(state, {
    start: saved.start, network: saved.start, steps: 0, costs: [], testCosts: [],
    view: saved.view,
    selected: saved.selected, landscape: saved.landscape, notation: saved.notation,
    example: saved.example,
  });
  setProjector(saved.projector);
  $("notation").value = state.notation;
  if (state.example) $("example").value = state.example;
  fillLandscapeChoices();
  let left = saved.steps;
  while (state.data && left > 0) { // the epochs, recomputed from the same start
    const chunk = Math.min(left, 5000);
    await trainData(chunk);
    left -= chunk;
  }
  while (left > 0) { // recompute the run, a server's worth of steps at a time
    const chunk = Math.min(left, 10_000);
    const answer = await api("/api/step", {network: state.network, steps: chunk, view: "weights",
      taken: state.steps});
    state.network = answer.network;
    state.steps += chunk;
    state.costs = state.costs.concat(answer.costs);
    left -= chunk;
  }
  if (state.landscape.length) {
    $("land-1").value = state.landscape[0];
    $("land-2").value = state.landscape[1] || "";
  }
  await show(0);
  return true;
}

function setProjector(on) {
  state.projector = on;
  document.body.classList.toggle("projector", on);
  $("projector").setAttribute("aria-pressed", String(on));
  fitDiagram();
}

async function share() {
  saveToUrl();
  try {
    await navigator.clipboard.writeText(location.href);
    $("status").append(" · link copied");
  } catch (e) {
    $("status").append(" · the address bar holds the link");
  }
}

// --- wiring ----------------------------------------------------------------------------------

async function loadFile(text, name) {
  const format = /\.json$/i.test(name) || /^\s*\{/.test(text) ? "json" : "toml";
  const answer = await api("/api/parse", {text, format, name});
  await begin(answer.network, null);
}

let failed = "";

async function init() {
  const listing = await api("/api/examples");
  CHOICES = await api("/api/choices");
  $("cost").addEventListener("change", () => reshape({operation: "cost", value: $("cost").value}));
  $("add-layer").addEventListener("click", () => reshape({operation: "add-layer"}));
  $("example").replaceChildren(...listing.examples.map((e) =>
    el("option", {value: e.name}, `${e.name}: ${e.title}`)));
  $("example").value = listing.examples.some((e) => e.name === "exercise-2")
    ? "exercise-2" : listing.examples[0].name;
  $("example").addEventListener("change", () => {
    $("load-example").disabled = $("example").value === "";
  });
  const on = (id, work, where = "error") =>
    $(id).addEventListener("click", () => busy(work, where));
  on("load-example", async () => {
    setPlaying(false);
    const name = $("example").value;
    await begin((await api(`/api/examples/${encodeURIComponent(name)}`)).network, name);
  });
  // a step's errors are shown under the step buttons, next to what caused them
  on("forward", async () => { state.view = "forward"; await show(0); }, "step-error");
  on("backward", async () => { state.view = "backward"; await show(0); }, "step-error");
  on("update", async () => { state.view = "weights"; await show(1); }, "step-error");
  on("step", async () => { await show(1); }, "step-error");
  on("run", async () => {
    const box = $("run-n");
    const n = Number(box.value);
    const most = Number(box.max);
    if (!Number.isInteger(n) || n < 1 || n > most) {
      box.setAttribute("aria-invalid", "true");
      throw new Error(`Run N: ${box.value === "" ? "nothing" : `"${box.value}"`} is not a ` +
        `whole number of steps from 1 to ${most}; a longer run is several Run N (or Play)`);
    }
    await show(n);
  }, "step-error");
  $("play").addEventListener("click", () => setPlaying(!playing));
  $("data-start").addEventListener("click", () => busy(async () => {
    setPlaying(false);
    const settings = readSettings();
    if (!settings.set) {
      const name = $("example").value || lastExample;
      await begin((await api(`/api/examples/${encodeURIComponent(name)}`)).network, name);
      return;
    }
    await startData(settings);
    await show(0, true);
  }, "data-error"));
  $("data-set").addEventListener("change", () => $("data-start").click());
  $("data-sample").addEventListener("change", () => busy(async () => {
    if (!state.data) return;
    const k = Number($("data-sample").value);
    if (!Number.isInteger(k) || k < 1 || k > 100) {
      throw new Error("Current sample: give a whole number from 1 to 100");
    }
    state.data.sample = k - 1;
    await show(0);
  }, "data-error"));
  on("reset", async () => {
    // Back (the browser's) undoes it: the state before is one entry back in the history.
    restart(state.start);
    await show(0, true);
    $("status").append(" · reset (Back undoes it)");
  });
  const near = (id, where, work) => $(id).addEventListener("click", () => busy(work, where));
  near("draw-landscape", "landscape-error", () => drawLandscape());
  near("blank-sheet", "check-error", blankSheet);
  near("check", "check-error", checkAnswers);
  on("share", share);
  $("load-paste").addEventListener("click", () => busy(async () => {
    await loadFile($("paste").value, "pasted network");
    $("paste-box").open = false;
  }, "paste-error"));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && $("paste-box").open) {
      $("paste-box").open = false;
      $("paste-box").querySelector("summary").focus();
    }
  });
  $("upload").addEventListener("change", () => busy(async () => {
    const file = $("upload").files[0];
    $("upload").value = "";
    if (file) await loadFile(await file.text(), file.name);
  }));
  $("notation").addEventListener("change", () => busy(async () => {
    state.notation = $("notation").value;
    if (state.selected) await derive(state.selected);
    saveToUrl();
    // the result shown is marked again in the new notation: its symbols, derivations and
    // mistake titles follow it, as `check --notation` gives them
    if (marked && $("check-result").childElementCount) {
      const sheet = marked;
      busy(() => checkAnswers(sheet), "check-error"); // queued after this one, not awaited
    }
  }, "derivation-error"));
  $("to-derivation").addEventListener("click", () => {
    $("derivation-panel").scrollIntoView({block: "start"}); // asked for: the user's own scroll
  });
  $("projector").addEventListener("click", () => {
    setProjector(!state.projector);
    saveToUrl();
  });
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", () => busy(() => download(button.dataset.download)));
  }
  $("parameters").addEventListener("change", (e) => {
    if (e.target.matches("input[data-path]")) busy(() => edit(e.target));
  });
  $("parameters").addEventListener("focusin", (e) => {
    if (e.target.matches("input[data-path]") && e.target.value === fmt4(
      Number(e.target.dataset.full))) e.target.value = e.target.dataset.full;
  });
  $("parameters").addEventListener("focusout", (e) => {
    if (e.target.matches("input[data-path]") && e.target.value === e.target.dataset.full) {
      e.target.value = fmt4(Number(e.target.dataset.full));
    }
  });
  $("parameters").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-derive-kind]");
    if (button) {
      busy(() => derive({kind: button.dataset.deriveKind, name: button.dataset.deriveName}),
        "derivation-error");
    }
  });
  window.addEventListener("resize", fitDiagram);
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, textarea, select")) return;
    const button = {f: "forward", b: "backward", u: "update", s: "step", r: "reset",
      p: "play"}[e.key];
    if (button) { e.preventDefault(); $(button).click(); }
  });
  window.addEventListener("hashchange", () => busy(restoreFromUrl));
  let restored = false;
  try {
    restored = await restoreFromUrl();
  } catch (e) {
    failed = e.message; // shown once the page has its example
  }
  if (!restored) {
    const name = $("example").value;
    await begin((await api(`/api/examples/${encodeURIComponent(name)}`)).network, name);
  }
}

document.addEventListener("DOMContentLoaded", () => busy(async () => {
  await init();
  if (failed) showError(failed);
}));
