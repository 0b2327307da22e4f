/**
 * The form's styles, inside its shadow root so the host page's CSS neither breaks the
 * form nor is touched by it. Each `--bzctrl-*` custom property set on the element (or any
 * ancestor) themes it; docs/widget.md lists them.
 */
export const STYLES = `
:host {
  --_font: var(--bzctrl-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_primary: var(--bzctrl-primary, #1f5fbf);
  --_on-primary: var(--bzctrl-on-primary, #fff);
  --_radius: var(--bzctrl-radius, 6px);
  --_text: var(--bzctrl-text, #1d2430);
  --_muted: var(--bzctrl-muted, #5b6575);
  --_border: var(--bzctrl-border, #c5ccd6);
  --_bg: var(--bzctrl-background, #fff);
  --_field-bg: var(--bzctrl-field-background, #fff);
  --_error: var(--bzctrl-error, #b3261e);
  --_success: var(--bzctrl-success, #1e7a3c);
  --_focus: var(--bzctrl-focus, #1f5fbf);
  --_gap: var(--bzctrl-gap, 14px);
  display: block;
  container-type: inline-size;
  font: 14px/1.45 var(--_font);
  color: var(--_text);
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.card {
  background: var(--_bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  padding: calc(var(--_gap) * 1.3);
}
h2 { font-size: 1.15em; margin: 0 0 2px; }
.sub { color: var(--_muted); margin: 0 0 var(--_gap); font-size: 0.92em; }
form { display: grid; gap: var(--_gap); grid-template-columns: 1fr; }
@container (min-width: 560px) {
  form { grid-template-columns: 1fr 1fr; }
  .wide { grid-column: 1 / -1; }
}
.field { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
label, legend { font-weight: 600; font-size: 0.92em; }
legend { padding: 0; margin-bottom: 4px; }
.mark { color: var(--_error); margin-left: 2px; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
input, select, textarea {
  font: inherit;
  color: inherit;
  background: var(--_field-bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  padding: 7px 9px;
  width: 100%;
  min-height: 36px;
}
textarea { min-height: 84px; resize: vertical; }
/* Domain and workspace: set by the embedding page, shown as values, not as inputs. */
input[readonly] { background: transparent; border-style: dashed; color: var(--_muted); }
input[type="checkbox"], input[type="radio"] { width: auto; min-height: 0; margin: 0; accent-color: var(--_primary); }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline-offset: 0; }
[aria-invalid="true"] { border-color: var(--_error); box-shadow: inset 0 0 0 1px var(--_error); }
.hint { color: var(--_muted); font-size: 0.85em; margin: 0; }
.error { color: var(--_error); font-size: 0.85em; margin: 0; font-weight: 600; }
.error:empty { display: none; }
.warning { color: var(--_warning, #8a5300); font-size: 0.85em; margin: 0; }
.warning:empty { display: none; }
.counter:empty { display: none; }
.money { display: flex; align-items: stretch; }
.money span {
  display: flex; align-items: center; padding: 0 10px; font-weight: 600;
  border: 1px solid var(--_border); border-right: 0; color: var(--_muted);
  border-radius: var(--_radius) 0 0 var(--_radius); background: #f3f5f8;
}
.money input { border-radius: 0 var(--_radius) var(--_radius) 0; }
.choices { display: flex; flex-wrap: wrap; gap: 6px 16px; padding-top: 4px; }
.choices label { font-weight: 400; display: inline-flex; gap: 6px; align-items: center; }
.segmented { display: inline-flex; border: 1px solid var(--_border); border-radius: var(--_radius); overflow: hidden; width: fit-content; }
.segmented label { padding: 6px 14px; cursor: pointer; font-weight: 600; display: inline-flex; gap: 6px; align-items: center; }
.segmented label + label { border-left: 1px solid var(--_border); }
.segmented label:has(input:checked) { background: var(--_primary); color: var(--_on-primary); }
.segmented input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.segmented label:has(input:focus-visible) { outline: 3px solid var(--_focus); outline-offset: -3px; }
h3 { font-size: 1em; margin: 4px 0 0; grid-column: 1 / -1; border-top: 1px solid var(--_border); padding-top: var(--_gap); }
.actions { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
button {
  font: inherit; font-weight: 600; cursor: pointer;
  border-radius: var(--_radius); padding: 8px 18px; min-height: 38px;
  border: 1px solid var(--_primary); background: var(--_primary); color: var(--_on-primary);
}
button.secondary { background: transparent; color: var(--_primary); }
button[disabled] { opacity: 0.65; cursor: progress; }
.legend { color: var(--_muted); font-size: 0.85em; }
.notice { border-radius: var(--_radius); padding: 10px 12px; margin: 0 0 var(--_gap); }
.notice.bad { background: #fdecea; color: var(--_error); border: 1px solid currentColor; }
.notice.good { background: #e8f5ec; color: var(--_success); border: 1px solid currentColor; }
.notice p { margin: 0 0 4px; }
.notice ul { margin: 4px 0 0; padding-left: 18px; }
.done a { color: var(--_primary); font-weight: 600; }
.key { font-family: ui-monospace, Menlo, Consolas, monospace; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
