import { h } from './dom.js';

// A scaffold's knobs live on one line (`const CONFIG = {…};` between sia:config markers), so any change to
// them shows in a diff as that whole line removed and re-added. Readers want the setting that changed.
const ASSIGNMENT = /^\s*(?:export\s+)?const\s+(?:CONFIG|config)\s*=\s*(\{.*\})\s*;?\s*$/;

/** The object a config line assigns, or null. JSON first; then a plain object literal (unquoted keys, 'strings'). */
export function configOf(line) {
  const match = ASSIGNMENT.exec(line);
  if (!match) return null;
  for (const text of [match[1], match[1].replace(/'([^'\\]*)'/g, '"$1"').replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":')]) {
    try {
      const value = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // not this spelling: try the next
    }
  }
  return null;
}

const show = (value) => (value === undefined ? '(unset)' : JSON.stringify(value));

/** `key: old → new` for every key whose value differs. */
export function changedSettings(before, after) {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) => `${key}: ${show(before[key])} → ${show(after[key])}`);
}

const diffClass = (line) => (/^(@@|\+\+\+ |--- )/.test(line) ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : '');

/**
 * The unified diff as lines to render, with each removed-and-re-added config line folded into one `~ key: a → b`
 * line per changed setting (class `setting`); every other line as it is.
 */
export function diffView(diff) {
  const lines = diff.split('\n');
  const out = [];
  const settings = [];
  for (let i = 0; i < lines.length; i++) {
    const removed = lines[i].startsWith('-') && !lines[i].startsWith('--- ') ? configOf(lines[i].slice(1)) : null;
    // The re-added line follows the removed one, possibly after other removed lines of the same hunk.
    const partner = removed ? lines.findIndex((line, j) => j > i && line.startsWith('+') && !line.startsWith('+++ ') && configOf(line.slice(1))) : -1;
    if (removed && partner > i && lines.slice(i + 1, partner).every((line) => line.startsWith('-') || line.startsWith('+'))) {
      const changes = changedSettings(removed, configOf(lines[partner].slice(1)));
      settings.push(...changes);
      out.push(...(changes.length ? changes : ['config line reformatted, no setting changed']).map((text) => h('span', { class: 'setting' }, `~ ${text}\n`)));
      lines.splice(partner, 1);
      continue;
    }
    out.push(h('span', { class: diffClass(lines[i]) }, `${lines[i]}\n`));
  }
  return { lines: out, settings };
}
