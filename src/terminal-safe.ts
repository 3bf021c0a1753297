// C0/C1 controls (ESC and BEL included), DEL, and Unicode bidi embeddings/overrides/isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Untrusted text (anything from a feed or a page) made safe for a terminal: no escape sequences that could
 * rewrite the operator's screen or title, no bidi tricks. Used by the console cards, the CLI and the logs.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, ' ');
}
