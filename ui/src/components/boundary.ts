// What a dashboard card says when it cannot draw: the error in one short
// sentence, whatever was thrown (an Error, a string, an object from a
// library), so the notice itself can never fail or flood the card.

/** The longest reason a failed card shows; the console has the whole error. */
export const REASON_CHARS = 160;

export function failureReason(error: unknown): string {
  let text: string;
  if (error instanceof Error) text = error.message;
  else if (typeof error === 'string') text = error;
  else {
    try {
      text = JSON.stringify(error) ?? String(error);
    } catch {
      text = String(error);
    }
  }
  // One line, no control characters, and short.
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (!text) return 'an unexpected error.';
  return text.length > REASON_CHARS ? `${text.slice(0, REASON_CHARS - 1)}…` : text;
}
