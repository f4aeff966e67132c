// Text from a capture (BGP shutdown messages, FQDN capabilities, pcapng interface names and
// comments) and file names can hold terminal control sequences: ESC[2J clears the screen, OSC 52
// writes the clipboard, a bidi override reorders what is shown. Every text output goes through
// escapeControls on its way out (the CLI's writer), so they are shown as visible escapes instead.

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate marks. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
/** In JSON text C0 controls are already escaped by JSON.stringify; DEL, C1 and bidi marks are not. */
const JSON_CONTROL = /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `ESC` becomes the four characters `\x1b`. Idempotent: its output holds no control characters. */
export function escapeControls(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, visible) : text;
}

/** The same for JSON text: the remaining controls become `\u009b` escapes, so the JSON value is unchanged. */
export function escapeJsonControls(json: string): string {
  JSON_CONTROL.lastIndex = 0;
  return JSON_CONTROL.test(json) ? json.replace(JSON_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
