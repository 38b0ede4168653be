"use strict";
// brushwork studio's page: builds its form from the server's settings schema, follows the queue by
// server-sent events, and fetches preview frames and results as images by id.

const KIND_TITLES = {
  transfer: "Painting", fast: "Quick draft", texture: "Texture", dream: "DeepDream",
  "visualize-channel": "A channel", "visualize-class": "A class",
};
const ROLE_TITLES = { content: "Photo", styles: "Paintings", style: "Painting or texture", image: "Photo", guide: "Guide" };
const DONE = ["finished", "stopped", "failed"];

const state = {
  schema: null, technique: "transfer", inputs: {}, jobs: new Map(), curves: new Map(), shownFrame: null,
};
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};

async function api(method, path, body, headers = {}) {
  const options = { method, headers: { ...headers } };
  if (body !== undefined) {
    options.body = body instanceof Blob ? body : JSON.stringify(body);
    if (!(body instanceof Blob)) options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: `the server answered ${response.status}` }; }
  return { ok: response.ok, status: response.status, data };
}

// ---------------------------------------------------------------- the form

// A setting's JSON Schema: {"type": ...}, or {"anyOf": [{...}, {"type": "null"}]} where "none" is allowed.
function unwrap(prop) {
  if (!prop.anyOf) return { ...prop, nullable: false };
  const inner = prop.anyOf.find((p) => p.type !== "null") || {};
  return { ...inner, description: prop.description, nullable: prop.anyOf.some((p) => p.type === "null") };
}

function propertyType(prop) {
  const inner = unwrap(prop);
  return { base: inner.type || "string", nullable: inner.nullable };
}

function showValue(value) {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function makeField(name, wrapped, value) {
  const prop = unwrap(wrapped);
  const { base, nullable } = propertyType(wrapped);
  const label = el("span", { textContent: settingLabel(name, base) });
  if (wrapped["x-flag"]) label.title = `on the command line: ${wrapped["x-flag"]}`;
  let input;
  const choices = prop.enum || (prop.items && prop.items.enum && base !== "array" ? prop.items.enum : null);
  if (choices && base !== "array") {
    input = el("select");
    for (const choice of choices) {
      input.append(el("option", { value: choice === null ? "" : String(choice), textContent: choice === null ? "none" : String(choice) }));
    }
  } else if (base === "boolean") {
    input = el("input", { type: "checkbox" });
  } else if (base === "integer" || base === "number") {
    input = el("input", { type: "number", step: base === "integer" ? "1" : "any" });
    if (prop.minimum !== undefined) input.min = prop.minimum;
    if (prop.maximum !== undefined) input.max = prop.maximum;
  } else {
    input = el("input", { type: "text" });
  }
  input.name = name;
  input.dataset.base = base;
  input.dataset.nullable = nullable ? "1" : "";
  if (base === "array") input.dataset.items = (prop.items && propertyType(prop.items).base) || "string";
  setFieldValue(input, value);
  input.placeholder = nullable ? wrapped["x-none-word"] || "none" : "";
  const help = el("span", { className: "help", textContent: plainHelp(prop.description || "") });
  const error = el("div", { className: "error" });
  error.setAttribute("role", "status");  // read out when a message appears
  error.dataset.for = `settings.${name}`;
  if (name === "seed") {  // a new random seed in one click
    const dice = el("button", { type: "button", textContent: "random", title: "a random seed" });
    dice.addEventListener("click", (event) => {
      event.preventDefault();
      input.value = String(Math.floor(Math.random() * (Math.min(prop.maximum || 0, 2 ** 31 - 1) + 1)));
      saveForm();
    });
    return el("label", { className: "field" }, label, el("div", { className: "seed-row" }, input, dice), help, error);
  }
  const field = el("label", { className: "field" }, label, input, help, error);
  if (name === "style_blend") field.hidden = true;  // a weight beside each painting's thumbnail sets it
  return field;
}

// A setting's plain name (the flag is in its tooltip), and its help with flags named as the form names them.
function settingLabel(name, base) {
  if (name === "size" && base === "array") return "Size (height, width in px)";
  return state.schema.labels[name] || name.replaceAll("_", " ");
}

function plainHelp(text) {
  const byFlag = {};
  for (const kind of Object.values(state.schema.techniques)) {
    for (const [name, prop] of Object.entries(kind.schema.properties)) if (prop["x-flag"]) byFlag[prop["x-flag"]] = name;
  }
  return text.replace(/--[a-z][a-z-]*/g, (flag) => (byFlag[flag] ? `“${settingLabel(byFlag[flag])}”` : flag))
    .replace(/ on the command line/g, "");
}

function setFieldValue(input, value) {
  if (input.type === "checkbox") input.checked = Boolean(value);
  else input.value = showValue(value);
}

function fieldValue(input) {
  const { base, nullable, items } = input.dataset;
  if (input.type === "checkbox") return input.checked;
  const text = input.value.trim();
  if (text === "" && nullable) return null;
  if (base === "integer" || base === "number") return text === "" ? text : Number(text);
  if (base === "array") {
    const parts = text.split(/[\s,]+/).filter(Boolean);
    return parts.map((p) => (items === "number" || items === "integer" ? Number(p) : p));
  }
  if (input.tagName === "SELECT") {
    const known = (input.options.length && [...input.options].map((o) => o.value)) || [];
    if (known.includes(text) && /^-?\d+(\.\d+)?$/.test(text) && base !== "string") return Number(text);
  }
  return text;
}

// What the page keeps in this browser (the form, saved presets, choices), as JSON. A browser with storage
// full or off keeps nothing, and the page works as if nothing had been kept.
function kept(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key) || "null");
    return value === null ? fallback : value;
  } catch (e) { return fallback; }
}

function keep(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
}

// Presets: the technique's own, and the ones the user saved in this browser ("user:NAME": a built-in
// preset it starts from, and the settings changed from it).
const PRESETS_KEY = "brushwork.presets";

function savedPresets() { return kept(PRESETS_KEY, {}); }

function userPreset(presetName) {
  if (!presetName || !presetName.startsWith("user:")) return null;
  const saved = (savedPresets()[state.technique] || {})[presetName.slice(5)];
  return saved && state.schema.techniques[state.technique].presets[saved.base] ? saved : null;
}

// The built-in preset a job is sent with: a saved preset's base, whose changes go with it as settings.
function basePreset(presetName = null) {
  const name = presetName || $("preset").value;
  const saved = userPreset(name);
  return saved ? saved.base : name;
}

function presetValues(presetName = null) {
  const kind = state.schema.techniques[state.technique];
  const name = presetName || $("preset").value;
  const saved = userPreset(name);
  if (saved) return { ...kind.presets[saved.base], ...saved.settings };
  return kind.presets[name] || Object.values(kind.presets)[0];
}

function presetOptions() {
  const kind = state.schema.techniques[state.technique];
  const options = Object.keys(kind.presets).map((p) => el("option", { value: p, textContent: p }));
  const mine = Object.keys(savedPresets()[state.technique] || {}).sort();
  if (mine.length) {
    options.push(el("optgroup", { label: "Saved" }, ...mine.map((n) => el("option", { value: `user:${n}`, textContent: n }))));
  }
  $("preset").replaceChildren(...options);
}

function showPresetButtons() {
  $("forget-preset").hidden = !userPreset($("preset").value);
}

function savePreset() {
  const name = (window.prompt("Save these settings as a preset named:") || "").trim();
  if (!name) return;
  const kind = state.schema.techniques[state.technique];
  if (name.length > 40 || kind.presets[name]) {
    $("preset-note").textContent = name.length > 40 ? "A preset's name is at most 40 characters." : `“${name}” is a built-in preset: choose another name.`;
    return;
  }
  const base = basePreset();
  const all = savedPresets();
  all[state.technique] = { ...(all[state.technique] || {}), [name]: { base, settings: changedSettings(base) } };
  if (!keep(PRESETS_KEY, all)) {
    $("preset-note").textContent = "This browser would not keep it (storage is full or off).";
    return;
  }
  presetOptions();
  $("preset").value = `user:${name}`;
  state.preset = $("preset").value;
  showPresetButtons();
  $("preset-note").textContent = `Saved as “${name}”, in this browser.`;
  saveForm();
}

function forgetPreset() {
  const value = $("preset").value;
  if (!userPreset(value)) return;
  const name = value.slice(5);
  if (!window.confirm(`Forget the preset “${name}”? The settings in the form stay as they are.`)) return;
  const base = basePreset();
  const typed = changedSettings(base);
  const all = savedPresets();
  delete (all[state.technique] || {})[name];
  keep(PRESETS_KEY, all);
  presetOptions();
  $("preset").value = base;
  state.preset = base;
  fillSettings(typed);
  showPresetButtons();
  $("preset-note").textContent = `Forgot “${name}”.`;
  saveForm();
}

function buildForm(values = null) {
  presetOptions();
  showPresetButtons();
  $("draft-only").hidden = state.technique !== "transfer";
  $("preset-note").textContent = "";
  buildRoles();
  fillSettings(values);
}

function fillSettings(values = null) {
  const kind = state.schema.techniques[state.technique];
  const defaults = presetValues();
  const shown = { ...defaults, ...(values || {}) };
  const knobs = $("knobs"), more = $("more");
  knobs.replaceChildren();
  more.replaceChildren();
  const properties = kind.schema.properties;
  for (const name of kind.knobs) knobs.append(makeField(name, properties[name], shown[name]));  // in the technique's order
  // The rest, in plain groups (Look, Schedule, Network, Machine), each in the groups' order.
  const rest = Object.keys(properties).filter((name) => name !== "schema_version" && !kind.knobs.includes(name));
  const grouped = Object.entries(state.schema.groups).map(([group, names]) => [group, names.filter((n) => rest.includes(n))]);
  const others = rest.filter((name) => !grouped.some(([, names]) => names.includes(name)));
  for (const [group, names] of [...grouped, ["Other", others]]) {
    if (!names.length) continue;
    const fields = names.map((name) => makeField(name, properties[name], shown[name]));
    const set = el("fieldset", { className: "group" }, el("legend", { textContent: group }), ...fields);
    set.hidden = fields.every((f) => f.hidden);
    more.append(set);
  }
  blendFromField();
  clearErrors();
  showPhotoNote();
}

// A preset fills in what the user has not typed: the values that differ from the preset before are kept,
// and the note says which.
function changePreset() {
  const typed = changedSettings(state.preset);
  state.preset = $("preset").value;
  showPresetButtons();
  fillSettings(typed);
  const names = Object.keys(typed).map((name) => settingLabel(name).toLowerCase());
  $("preset-note").textContent = names.length
    ? `Kept what you typed: ${names.join(", ")}. The rest is the ${state.preset} preset's.`
    : "";
  saveForm();
}

function changedSettings(presetName = null) {
  const defaults = presetValues(presetName);
  const changes = {};
  for (const input of document.querySelectorAll("#knobs [name], #more [name]")) {
    const value = fieldValue(input);
    if (JSON.stringify(value) !== JSON.stringify(defaults[input.name])) changes[input.name] = value;
  }
  return changes;
}

function buildKinds() {
  const kinds = $("kinds");
  kinds.replaceChildren();
  for (const name of Object.keys(state.schema.techniques)) {
    const radio = el("input", { type: "radio", name: "technique", value: name, checked: name === state.technique });
    radio.addEventListener("change", () => {
      state.technique = name;
      state.inputs = {};
      buildForm();
      state.preset = $("preset").value;
      saveForm();
    });
    kinds.append(el("label", {}, radio, KIND_TITLES[name] || name));
  }
}

function buildRoles() {
  const roles = $("roles");
  roles.replaceChildren();
  for (const role of state.schema.techniques[state.technique].roles) {
    state.inputs[role.name] = state.inputs[role.name] || [];
    const file = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/tiff", multiple: role.many });
    file.setAttribute("aria-label", `choose files for ${ROLE_TITLES[role.name] || role.name}`);
    file.dataset.role = role.name;
    file.addEventListener("change", () => { upload(role, [...file.files]); file.value = ""; });
    const demoRole = role.name === "content" || role.name === "image" ? "photo" : role.required ? "painting" : null;
    const demo = state.schema.demo[demoRole];
    const demoButton = demo ? el("button", { type: "button", textContent: `use ${demo.name}` }) : "";
    if (demo) demoButton.addEventListener("click", () => addInput(role, demo));
    const error = el("div", { className: "error" });
    error.setAttribute("role", "status");
    error.dataset.for = `inputs.${role.name}`;
    const note = role.name === state.schema.techniques[state.technique].photo_role
      ? el("div", { className: "photo-note", id: "photo-note" }) : "";
    if (note) note.setAttribute("aria-live", "polite");
    const box = el("div", { className: "role" },
      el("div", { className: "label", textContent: ROLE_TITLES[role.name] || role.name }),
      el("div", { className: "help", textContent: `${role.help}${role.required ? "" : " (optional)"} — drop files here or choose them` }),
      el("div", { className: "thumbs" }), file, demoButton, note, error);
    box.dataset.role = role.name;
    box.addEventListener("dragover", (e) => { e.preventDefault(); box.classList.add("over"); });
    box.addEventListener("dragleave", () => box.classList.remove("over"));
    box.addEventListener("drop", (e) => { e.preventDefault(); box.classList.remove("over"); upload(role, [...e.dataTransfer.files]); });
    roles.append(box);
    showInputs(role);
  }
}

function showInputs(role) {
  const box = document.querySelector(`.role[data-role="${role.name}"] .thumbs`);
  if (!box) return;
  const images = state.inputs[role.name];
  const weighed = role.name === "styles" && images.length > 1 && blendField() !== null;
  box.replaceChildren(...images.map((image, index) => {
    const remove = el("button", { type: "button", textContent: "×", title: "remove" });
    remove.setAttribute("aria-label", `remove ${image.name}`);
    remove.addEventListener("click", () => { images.splice(index, 1); showInputs(role); blendToField(); saveForm(); });
    const thumb = el("div", { className: "thumb", title: `${image.name} (${image.width}×${image.height})` },
      el("img", { src: `/api/images/${image.id}/thumb.jpg`, alt: image.name }), remove);
    if (weighed) {  // how much of the blend this painting is
      const weight = el("input", { type: "number", min: "0", step: "0.1", className: "weight",
        value: String(image.weight === undefined ? 1 : image.weight) });
      weight.setAttribute("aria-label", `blend weight of ${image.name}`);
      weight.addEventListener("input", () => {
        const value = Number(weight.value);
        if (weight.value.trim() !== "" && Number.isFinite(value) && value >= 0) { image.weight = value; blendToField(); }
      });
      thumb.append(weight);
    }
    return thumb;
  }));
  const note = box.parentElement.querySelector(".blend-note");
  if (weighed && !note) box.after(el("p", { className: "blend-note", textContent: "The number under each painting is its share of the blend." }));
  if (!weighed && note) note.remove();
  showPhotoNote();
}

// The paintings' blend lives beside their thumbnails; the style_blend setting follows it (none where every
// weight is the same: an equal blend).
// A setting's input, among the knobs or under More settings.
function settingInput(name) { return document.querySelector(`#knobs [name="${name}"], #more [name="${name}"]`); }

function blendField() { return settingInput("style_blend"); }

function blendToField() {
  const field = blendField();
  if (!field) return;
  const weights = (state.inputs.styles || []).map((image) => (image.weight === undefined ? 1 : image.weight));
  field.value = weights.length > 1 && weights.some((w) => w !== weights[0]) ? weights.join(", ") : "";
}

function blendFromField() {
  const field = blendField(), styles = state.inputs.styles || [];
  if (!field) return;
  const values = field.value.split(/[\s,]+/).filter(Boolean).map(Number);
  styles.forEach((image, index) => { image.weight = values.length === styles.length ? values[index] : 1; });
  const role = state.schema.techniques[state.technique].roles.find((r) => r.name === "styles");
  if (role) showInputs(role);
}

// What the photo becomes at the size asked for, said before anything is painted: a panorama at a small
// size is a thin strip, and a tiny photo is enlarged into a blur.
const THIN_SIDE = 64;  // px: a short side under this, on a photo this much longer than wide, is a strip
const PANORAMA = 3;
const ENLARGED = 4;  // times: more than this, and the result is soft

function fitLongEdge(height, width, long) {
  const scale = long / Math.max(height, width);
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}

function showPhotoNote() {
  const note = $("photo-note");
  if (!note) return;
  const kind = state.schema.techniques[state.technique];
  const photo = (state.inputs[kind.photo_role] || [])[0];
  const sizeInput = settingInput("size");
  note.replaceChildren();
  if (!photo || !sizeInput || sizeInput.dataset.base === "array") return;
  const long = Number(sizeInput.value);
  const asked = sizeInput.value.trim() !== "" && Number.isFinite(long) && long > 0;
  const [height, width] = asked ? fitLongEdge(photo.height, photo.width, long) : [photo.height, photo.width];
  note.append(el("div", { className: "muted", textContent: `Paints at ${width}×${height} px.` }));
  const ratio = Math.max(photo.width, photo.height) / Math.min(photo.width, photo.height);
  if (Math.min(height, width) < THIN_SIDE && ratio >= PANORAMA) {
    const wanted = Math.ceil(256 * ratio);
    const most = Number(sizeInput.max) || Infinity;
    const warning = el("div", { className: "warning",
      textContent: `This ${photo.width}×${photo.height} panorama paints as a ${width}×${height} strip. ` +
        (wanted <= most ? `Size ${wanted} gives it a short side of 256 px.` : "Crop it to a less extreme shape.") });
    if (wanted <= most) {
      const fix = el("button", { type: "button", textContent: `Use size ${wanted}` });
      fix.addEventListener("click", () => { sizeInput.value = String(wanted); saveForm(); showPhotoNote(); });
      warning.append(" ", fix);
    }
    note.append(warning);
  }
  const factor = Math.max(height, width) / Math.max(photo.height, photo.width);
  if (factor > ENLARGED) {
    note.append(el("div", { className: "warning",
      textContent: `The photo is only ${photo.width}×${photo.height} px: it is enlarged ${factor.toFixed(0)}× and will look soft.` }));
  }
}

function addInput(role, image) {
  if (role.many) state.inputs[role.name].push({ ...image }); else state.inputs[role.name] = [{ ...image }];
  showInputs(role);
  blendToField();
  setError(`inputs.${role.name}`, "");
  saveForm();
}

async function upload(role, files) {
  for (const file of files) {
    setError(`inputs.${role.name}`, `uploading ${file.name}…`);
    const { ok, data } = await api("POST", `/api/images?name=${encodeURIComponent(file.name)}`, file,
      { "Content-Type": file.type || "application/octet-stream" });
    if (!ok) { setError(`inputs.${role.name}`, `${file.name}: ${data.error}`); return; }
    addInput(role, data);
  }
}

function setError(key, message) {
  let target = document.querySelector(`.error[data-for="${CSS.escape(key)}"]`)
    || document.querySelector('.error[data-for="settings"]');
  if (key === "settings.style_blend") target = document.querySelector('.error[data-for="inputs.styles"]') || target;
  target.textContent = message;
  if (message && target.closest("details")) target.closest("details").open = true;
}

function clearErrors() { for (const e of document.querySelectorAll(".error")) e.textContent = ""; }

// The settings a painting shares with its one-pass draft (the fast tier): "Draft only" sends these.
const DRAFT_SETTINGS = ["size", "style_scale", "style_blend", "preserve_colors", "precision"];

function formInputs() {
  const inputs = {};
  for (const role of state.schema.techniques[state.technique].roles) {
    const ids = state.inputs[role.name].map((i) => i.id);
    if (ids.length) inputs[role.name] = role.many ? ids : ids[0];
  }
  return inputs;
}

async function submit(form) {
  if (state.submitting) return;  // a double-click queues one job, not two
  state.submitting = true;
  for (const id of ["paint", "draft-only"]) $(id).disabled = true;
  clearErrors();
  let reply;
  try {
    reply = await api("POST", "/api/jobs", form);
  } finally {
    state.submitting = false;
    for (const id of ["paint", "draft-only"]) $(id).disabled = false;
  }
  const { ok, data } = reply;
  if (!ok) {
    const errors = Object.entries(data.errors || {});
    if (!errors.length) setError("form", data.error);
    for (const [key, message] of errors) setError(key, message);
    return;
  }
  upsert(data);
}

function paint() {
  const base = basePreset();
  return submit({ technique: state.technique, preset: base, settings: changedSettings(base), inputs: formInputs() });
}

function draftOnly() {
  const changed = changedSettings(basePreset());
  const settings = Object.fromEntries(Object.entries(changed).filter(([k]) => DRAFT_SETTINGS.includes(k)));
  return submit({ technique: "fast", preset: "default", settings, inputs: formInputs() });
}

// ---------------------------------------------------------------- live updates

// How far a job has got: the reply to Paint can arrive after the live event that it started running, and
// must not put it back in the queue.
const PROGRESS_ORDER = { queued: 0, running: 1, finished: 2, stopped: 2, failed: 2 };

function upsert(job) {
  if (!job) return;
  const known = state.jobs.get(job.id);
  const merged = { ...known, ...job };
  if (known && (PROGRESS_ORDER[known.status] || 0) > (PROGRESS_ORDER[job.status] || 0)) {
    merged.status = known.status;
    merged.progress = known.progress;
  }
  state.jobs.set(job.id, merged);
  render();
  if (known && !DONE.includes(known.status) && DONE.includes(merged.status)) notifyEnded(merged);
}

// ---------------------------------------------------------------- a notification when a job ends

const NOTIFY_KEY = "brushwork.notify";

function notifying() {
  return kept(NOTIFY_KEY, false) === true && "Notification" in window && Notification.permission === "granted";
}

async function askToNotify() {
  const box = $("notify");
  const asked = box.checked;
  let allowed = asked && "Notification" in window;
  if (allowed && Notification.permission !== "granted") allowed = (await Notification.requestPermission()) === "granted";
  box.checked = allowed;
  $("notify-note").textContent = asked && !allowed ? "This browser did not allow notifications." : "";
  keep(NOTIFY_KEY, allowed);
}

// Only when the page is out of sight: in view, the gallery already shows it.
function notifyEnded(job) {
  if (!notifying() || (document.visibilityState === "visible" && document.hasFocus())) return;
  const how = { finished: "is finished", stopped: "was stopped (what it painted is kept)", failed: "failed" }[job.status];
  const note = new Notification(`brushwork: #${job.id} ${how}`, {
    body: job.status === "failed" ? job.error : title(job), tag: `brushwork-job-${job.id}`,
    icon: job.has_result ? `/api/jobs/${job.id}/thumb.jpg` : undefined,
  });
  note.onclick = () => { window.focus(); if (job.has_result) openDetail(job.id); note.close(); };
}

// ---------------------------------------------------------------- paste, and drop anywhere

// A picture pasted or dropped outside the boxes goes where the form needs one next: the photo while there
// is none, then the paintings.
function nextRole() {
  const kind = state.schema.techniques[state.technique];
  const photo = kind.roles.find((r) => r.name === kind.photo_role);
  if (photo && !(state.inputs[photo.name] || []).length) return photo;
  return kind.roles.find((r) => r.required && r !== photo) || photo || kind.roles[0];
}

function pasted(event) {
  const files = [...((event.clipboardData && event.clipboardData.files) || [])].filter((f) => f.type.startsWith("image/"));
  if (!files.length) return;  // text goes where it was pasted
  event.preventDefault();
  upload(nextRole(), files);
}

function carriesFiles(event) {
  return Boolean(event.dataTransfer) && [...event.dataTransfer.types].includes("Files");
}

function droppedAnywhere(event) {
  document.body.classList.remove("dropping");
  if (!carriesFiles(event)) return;
  event.preventDefault();  // never open the file in place of the studio
  if (event.target.closest && event.target.closest(".role")) return;  // its box took it
  const files = [...event.dataTransfer.files];
  if (files.length) upload(nextRole(), files);
}

const CURVE_POINTS = 2000;  // as many as the server keeps

// A page opened or reloaded mid-job draws the loss curve from the job's start, as the server kept it.
async function fetchCurve(id) {
  state.curves.set(id, []);
  const { ok, data } = await api("GET", `/api/jobs/${id}/curve`);
  if (!ok) return;
  const since = state.curves.get(id) || [];  // what arrived live meanwhile
  state.curves.set(id, [...data.totals, ...since].slice(-CURVE_POINTS));
  renderLive();
}

function connect() {
  const events = new EventSource("/api/events");
  const status = $("connection");
  events.onopen = () => { status.textContent = "live"; status.classList.add("live"); };
  events.onerror = () => { status.textContent = "reconnecting…"; status.classList.remove("live"); };
  const replace = (data) => {
    state.jobs = new Map(data.jobs.map((j) => [j.id, j]));
    state.paused = data.paused;
    render();
    for (const job of data.jobs) if (job.status === "running" && !state.curves.has(job.id)) fetchCurve(job.id);
  };
  events.addEventListener("snapshot", (e) => replace(JSON.parse(e.data)));
  events.addEventListener("queue", (e) => replace(JSON.parse(e.data)));
  events.addEventListener("job", (e) => upsert(JSON.parse(e.data).job));
  events.addEventListener("removed", (e) => { state.jobs.delete(JSON.parse(e.data).id); render(); });
  events.addEventListener("progress", (e) => {
    const progress = JSON.parse(e.data);
    progress.receivedAt = performance.now();
    const job = state.jobs.get(progress.id);
    if (!job) return;
    job.progress = progress;
    if (job.status !== "running") { job.status = "running"; render(); }
    if (!progress.draft) {  // a draft has no losses yet: it is the one-pass picture the painting starts from
      const curve = state.curves.get(progress.id) || [];
      curve.push(progress.total);
      state.curves.set(progress.id, curve.slice(-CURVE_POINTS));
    }
    renderLive();
  });
}

// The time left counts down between messages (they come a few times a second, but a tiled iteration at a
// print size can take a minute), from what the worker measured when it sent the last one.
function secondsLeft(progress) {
  if (progress.eta === null || progress.eta === undefined) return null;
  const since = progress.receivedAt ? (performance.now() - progress.receivedAt) / 1000 : 0;
  return Math.max(0, progress.eta - since);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "estimating…";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

const number = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));

function title(job) {
  const names = Object.values(job.inputs).flat().map((i) => i.name);
  const fromDraft = (job.run && job.run.start === "draft") || (job.settings && job.settings.init === "draft");
  const kind = (KIND_TITLES[job.technique] || job.technique) + (fromDraft ? " (from a draft)" : "");
  return names.length ? `#${job.id} ${kind}: ${names.join(" + ")}` : `#${job.id} ${kind}`;
}

function render() {
  const jobs = [...state.jobs.values()];
  const waiting = jobs.filter((j) => j.status === "running" || j.status === "queued")
    .sort((a, b) => (a.status === "running" ? -1 : b.status === "running" ? 1 : 0));
  const queuedIds = jobs.filter((j) => j.status === "queued");
  $("queue-list").replaceChildren(...waiting.map((job) => queueItem(job, queuedIds)));
  $("queue-empty").hidden = waiting.length > 0;
  $("paused-note").hidden = !state.paused;
  $("pause").textContent = state.paused ? "Resume queue" : "Pause queue";
  const done = jobs.filter((j) => DONE.includes(j.status)).sort((a, b) => (b.ended || 0) - (a.ended || 0));
  $("gallery-grid").replaceChildren(...done.map(card));
  $("gallery-empty").hidden = done.length > 0;
  renderLive();
}

function queueItem(job) {
  const first = Object.values(job.inputs).flat()[0];
  const buttons = [];
  if (job.status === "queued") {
    for (const [label, direction, hint] of [["↑", -1, "earlier"], ["↓", 1, "later"]]) {
      const b = el("button", { type: "button", textContent: label, title: `run ${hint}` });
      b.addEventListener("click", () => api("POST", `/api/jobs/${job.id}/move`, { direction }));
      buttons.push(b);
    }
    const remove = el("button", { type: "button", textContent: "✕", title: "remove from the queue" });
    remove.addEventListener("click", () => api("DELETE", `/api/jobs/${job.id}`));
    buttons.push(remove);
  }
  const what = el("div", { className: "what" }, el("div", { textContent: title(job) }),
    el("div", { className: job.status === "running" ? "running" : "muted", textContent: job.status === "running" ? "painting" : job.attempts ? "queued (goes on where it was)" : "queued" }));
  const item = el("li", {}, first ? el("img", { src: `/api/images/${first.id}/thumb.jpg`, alt: "" }) : "", what, ...buttons);
  item.dataset.job = job.id;
  return item;
}

function card(job) {
  const caption = el("div", { className: "caption" }, el("div", { textContent: title(job) }));
  if (job.status === "stopped") caption.append(el("span", { className: "badge", textContent: "stopped — partial" }));
  if (job.status === "failed") caption.append(el("div", { textContent: job.error }));
  else if (job.seconds) caption.append(el("div", { className: "muted", textContent: `${duration(job.seconds)}` }));
  const node = el("div", { className: `card ${job.status}` });
  node.dataset.job = job.id;
  if (job.has_result) {
    // The caption names the picture (the image would say it twice to a screen reader).
    node.append(el("img", { src: `/api/jobs/${job.id}/thumb.jpg?t=${job.ended}`, alt: "" }));
    node.addEventListener("click", () => openDetail(job.id));
    // A card is a button to the keyboard too: Tab to it, Enter or Space opens it.
    node.tabIndex = 0;
    node.setAttribute("role", "button");
    node.title = "open the picture with its settings";
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openDetail(job.id); }
    });
  }
  node.append(caption);
  return node;
}

function renderLive() {
  const running = [...state.jobs.values()].find((j) => j.status === "running");
  const frame = $("frame");
  $("stop").hidden = !running;
  $("curve").hidden = !running;
  document.title = running && running.progress && running.progress.iteration !== undefined
    ? `${Math.round((100 * running.progress.iteration) / running.progress.iterations)}% of level `
      + `${running.progress.level + 1}/${running.progress.levels} · brushwork studio`
    : "brushwork studio";
  if (!running) {
    // Show the latest result until the next job starts.
    const last = [...state.jobs.values()].filter((j) => j.has_result).sort((a, b) => (b.ended || 0) - (a.ended || 0))[0];
    $("live-title").textContent = last ? `Last: ${title(last)}` : "Nothing is painting";
    $("live-status").textContent = (state.paused ? "The queue is paused. " : "") +
      (last ? `${last.status === "stopped" ? "Stopped early" : "Finished"} in ${duration(last.seconds || 0)}.` : "");
    $("live-losses").textContent = "";
    if (last && state.shownFrame !== `result:${last.id}`) {
      state.shownFrame = `result:${last.id}`;
      frame.src = `/api/jobs/${last.id}/result.png?t=${last.ended}`;
      frame.hidden = false; $("frame-empty").hidden = true;
    }
    return;
  }
  $("live-title").textContent = title(running);
  const p = running.progress;
  if (p && p.iteration !== undefined) {
    $("live-status").textContent = p.draft
      ? `draft (one pass) · refining it next · about ${duration(secondsLeft(p))} left`
      : `level ${p.level + 1}/${p.levels} (${p.size[1]}×${p.size[0]}) · iteration ${p.iteration}/${p.iterations}` +
        (p.tile ? ` · tile ${p.tile}/${p.tiles}` : "") + ` · about ${duration(secondsLeft(p))} left`;
    $("live-losses").textContent = p.draft ? "" : `total ${number(p.total)} · ` +
      Object.entries(p.losses).map(([k, v]) => `${k} ${number(v)}`).join(" · ");
    const key = `${running.id}:${p.frame}`;
    if (p.frame > 0 && state.shownFrame !== key) {
      state.shownFrame = key;
      const next = new Image();
      next.onload = () => { frame.src = next.src; frame.hidden = false; $("frame-empty").hidden = true; };
      next.src = `/api/jobs/${running.id}/frame.jpg?n=${p.frame}`;
    }
  } else {
    $("live-status").textContent = "starting (loading VGG19)…";
    if (running.has_frame && state.shownFrame === null) {
      state.shownFrame = `${running.id}:restored`;
      frame.src = `/api/jobs/${running.id}/frame.jpg?t=${Date.now()}`;
      frame.hidden = false; $("frame-empty").hidden = true;
    }
  }
  drawCurve(state.curves.get(running.id) || []);
}

function drawCurve(values) {
  const canvas = $("curve"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const logs = values.filter((v) => v > 0).map(Math.log10);
  if (logs.length < 2) return;
  const low = Math.min(...logs), high = Math.max(...logs), span = high - low || 1;
  ctx.strokeStyle = "#2c5d8f"; ctx.lineWidth = 2; ctx.beginPath();
  logs.forEach((v, i) => {
    const x = (i / (logs.length - 1)) * (canvas.width - 8) + 4;
    const y = canvas.height - 6 - ((v - low) / span) * (canvas.height - 12);
    if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = "#777"; ctx.font = "11px sans-serif";
  ctx.fillText(`total loss (log) ${number(10 ** high)} → ${number(10 ** logs[logs.length - 1])}`, 8, 14);
}

// ---------------------------------------------------------------- the gallery's detail view

function openDetail(id) {
  const job = state.jobs.get(id);
  if (!job) return;
  const dialog = $("detail");
  dialog.dataset.job = id;
  $("detail-title").textContent = title(job);
  const run = job.run || {};
  const ran = (run.precision ? ` · painted in ${run.precision}` : "") + (run.device ? ` on ${run.device}` : "");
  $("detail-status").textContent = `${job.status === "stopped" ? "stopped early (partial)" : job.status} · ${duration(job.seconds || 0)} · preset ${job.preset}${ran}`;
  const before = (job.inputs.content || job.inputs.image || [])[0];
  const after = `/api/jobs/${id}/result.png?t=${job.ended}`;
  $("compare-after").src = after;
  // A texture has no photo to compare with: the result alone, no slider.
  for (const id of ["compare-before", "compare-slider"]) $(id).hidden = !before;
  $("compare-help").hidden = !before;
  if (before) $("compare-before").src = `/api/images/${before.id}`;
  else $("compare-before").removeAttribute("src");
  slide();
  downloadLink();
  const defaults = state.schema.techniques[job.technique].presets[job.preset] || {};
  const rows = Object.entries(job.settings).filter(([k]) => k !== "schema_version").map(([k, v]) => {
    const flag = ((state.schema.techniques[job.technique].schema.properties[k] || {})["x-flag"]) || "";
    const name = el("td", { textContent: settingLabel(k), title: flag ? `on the command line: ${flag}` : "" });
    const row = el("tr", {}, name, el("td", { textContent: showValue(v) || "none" }));
    if (JSON.stringify(v) !== JSON.stringify(defaults[k])) row.className = "changed";
    return row;
  });
  $("detail-settings").replaceChildren(...rows);
  dialog.showModal();
  setZoom("fit");  // once open: fitting needs the dialog's size
}

// Fit shows the whole picture in the window; 1:1 one pixel of the painting per screen pixel, and 2× twice
// that, in a box that scrolls (the slider still compares the two).
function setZoom(zoom) {
  const viewport = $("compare-viewport"), after = $("compare-after");
  viewport.classList.toggle("zoomed", zoom !== "fit");
  for (const button of document.querySelectorAll(".zoom [data-zoom]")) {
    button.setAttribute("aria-pressed", String(button.dataset.zoom === zoom));
  }
  state.zoom = zoom;
  const apply = () => {
    // Fit: as large as the box is wide and the window is high (the slider and zoom below it in view).
    const fitted = Math.min(viewport.clientWidth, (window.innerHeight * 0.92 - 96) * (after.naturalWidth / after.naturalHeight));
    const width = zoom === "fit" ? `${Math.floor(fitted)}px` : `${(after.naturalWidth * Number(zoom)) / (window.devicePixelRatio || 1)}px`;
    for (const id of ["compare-before", "compare-after"]) $(id).style.width = width;
    viewport.scrollLeft = (viewport.scrollWidth - viewport.clientWidth) / 2;
    viewport.scrollTop = (viewport.scrollHeight - viewport.clientHeight) / 2;
  };
  if (after.complete && after.naturalWidth) apply(); else after.addEventListener("load", apply, { once: true });
}

// Downloads are named after the pictures and keep their record inside, as PNG, JPEG or WebP (the last
// format chosen is remembered).
const FORMAT_KEY = "brushwork.download";

function downloadLink() {
  const id = $("detail").dataset.job;
  $("detail-download").href = `/api/jobs/${id}/download?format=${$("detail-format").value}`;
}

function slide() {
  const value = $("compare-slider").hidden ? 0 : Number($("compare-slider").value);
  $("compare-after").style.clipPath = `inset(0 0 0 ${value}%)`;
}

function reuse() {
  const job = state.jobs.get(Number($("detail").dataset.job));
  if (!job) return;
  state.technique = job.technique;
  state.inputs = Object.fromEntries(Object.entries(job.inputs).map(([role, images]) => [role, [...images]]));
  buildKinds();
  buildForm();
  $("preset").value = job.preset;
  state.preset = job.preset;
  showPresetButtons();
  fillSettings(job.settings);
  saveForm();
  $("detail").close();
  $("paint").focus();
}

async function remove() {
  const id = Number($("detail").dataset.job);
  if (!window.confirm(`Delete painting #${id} from the gallery? Its file is deleted too.`)) return;
  const { ok, data } = await api("DELETE", `/api/jobs/${id}`);
  if (!ok) { $("detail-status").textContent = data.error; return; }
  state.jobs.delete(id);
  $("detail").close();
  render();
}

// The form (technique, preset, the settings typed, the pictures chosen) is kept in this browser, so a
// reload or a closed tab loses nothing.
const FORM_KEY = "brushwork.form";

function saveForm() {
  if (!state.schema) return;
  const form = { technique: state.technique, preset: $("preset").value, settings: changedSettings(), inputs: state.inputs };
  keep(FORM_KEY, form);
}

function restoreForm() {
  const saved = kept(FORM_KEY, null);
  if (!saved || !state.schema.techniques[saved.technique]) return false;
  state.technique = saved.technique;
  state.inputs = saved.inputs || {};
  buildKinds();
  buildForm();
  if (state.schema.techniques[saved.technique].presets[saved.preset] || userPreset(saved.preset)) {
    $("preset").value = saved.preset;
  }
  showPresetButtons();
  state.preset = $("preset").value;
  fillSettings(saved.settings || {});
  return true;
}

async function start() {
  const { data } = await api("GET", "/api/schema");
  state.schema = data;
  if (!restoreForm()) {
    buildKinds();
    buildForm();
  }
  state.preset = $("preset").value;
  $("compose").addEventListener("input", saveForm);
  $("compose").addEventListener("input", (event) => { if (event.target.name === "size") showPhotoNote(); });
  $("compose").addEventListener("change", saveForm);
  $("preset").addEventListener("change", changePreset);
  $("save-preset").addEventListener("click", savePreset);
  $("forget-preset").addEventListener("click", forgetPreset);
  document.addEventListener("paste", pasted);
  document.addEventListener("dragover", (event) => { if (carriesFiles(event)) { event.preventDefault(); document.body.classList.add("dropping"); } });
  document.addEventListener("dragleave", (event) => { if (!event.relatedTarget) document.body.classList.remove("dropping"); });
  document.addEventListener("drop", droppedAnywhere);
  $("notify").addEventListener("change", askToNotify);
  $("notify").checked = notifying();
  $("paint").addEventListener("click", paint);
  $("draft-only").addEventListener("click", draftOnly);
  document.addEventListener("keydown", (event) => {  // Ctrl+Enter (⌘+Enter on a Mac) paints, as in other tools
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !$("detail").open) {
      event.preventDefault();
      paint();
    }
  });
  $("stop").addEventListener("click", () => {
    const running = [...state.jobs.values()].find((j) => j.status === "running");
    if (running) api("POST", `/api/jobs/${running.id}/stop`);
  });
  $("pause").addEventListener("click", () => api("POST", "/api/queue", { paused: !state.paused }));
  $("compare-slider").addEventListener("input", slide);
  $("detail-format").value = kept(FORMAT_KEY, "png");
  if (!$("detail-format").value) $("detail-format").value = "png";  // a value it no longer offers
  $("detail-format").addEventListener("change", () => {
    downloadLink();
    keep(FORMAT_KEY, $("detail-format").value);
  });
  for (const button of document.querySelectorAll(".zoom [data-zoom]")) {
    button.addEventListener("click", () => setZoom(button.dataset.zoom));
  }
  window.addEventListener("resize", () => { if ($("detail").open && state.zoom === "fit") setZoom("fit"); });
  $("detail-close").addEventListener("click", () => $("detail").close());
  $("detail-reuse").addEventListener("click", reuse);
  $("detail-delete").addEventListener("click", remove);
  connect();
  setInterval(() => { if ([...state.jobs.values()].some((j) => j.status === "running")) renderLive(); }, 1000);
}

start();
