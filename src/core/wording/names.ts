// Does a text name a person (or a firm)? The answer to "who …?" is a name, and a statement that
// only repeats the role asked about ("The Superintendent submits this report …") does not answer
// it. Names in project documents come as "T. J. Okafor", "P. Nair" or "Renee Kowalski"; a pair of
// capitalised words is a name unless both are words documents capitalise for other reasons
// (roles, document titles, sentence starts). A general NLP library was tried (compromise): it
// missed initials-first names and took a firm for a person, which is the common case here.

/** Capitalised words that are roles, titles or function words, not names. */
const NOT_NAMES = new Set(
  (
    'the a an this that these those each every all any no if when where while for from to of in on at by with and or ' +
    "project manager superintendent assistant safety owner owners owner’s owner's representative rep general contractor " +
    'subcontractor engineer architect structural record inspector foreman director principal executive president officer ' +
    'coordinator administrator estimator scheduler lead chief senior field office site quality control assurance ' +
    'level section part division item date daily report meeting minutes notice proceed change order request substantial ' +
    'final completion schedule standard urgent procedure plan permit log form table note notes see per total amount ' +
    'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august ' +
    'september october november december am pm north south east west new existing main room building floor'
  ).split(/\s+/),
);

const INITIALS_NAME = /(?<![\w.])(?:[A-Z]\.\s?){1,3}[A-Z][a-z][\w'’-]*/;
// The second word is a lookahead, so that "the Superintendent Renee Kowalski" checks every pair.
const WORD_PAIR = /(?<![\w'’-])([A-Z][a-z][\w'’-]*)(?=\s+([A-Z][a-z][\w'’-]*))/g;

/** True when the text holds a personal or company name, other than the words the question itself used. */
export function namesSomeone(text: string, asked: Set<string> = new Set()): boolean {
  const mine = (w: string) => NOT_NAMES.has(w.toLowerCase()) || asked.has(w.toLowerCase());
  const initials = INITIALS_NAME.exec(text);
  if (initials && !mine(initials[0].replace(/^(?:[A-Z]\.\s?)+/, ''))) return true;
  for (const m of text.matchAll(WORD_PAIR)) if (!mine(m[1]) || !mine(m[2])) return true;
  return false;
}

/** A location on a job: a named place, or a level, grid line, room, street, gate, lot or area. */
const LOCATION =
  /\b(?:level|floor|grid|room|street|st\.|avenue|ave\.|road|lot|gate|yard|trailer|laydown|area|zone|roof|basement|corridor|stair|north|south|east|west)\b/i;

export function namesAPlace(text: string, asked: Set<string> = new Set()): boolean {
  const m = LOCATION.exec(text);
  return (!!m && !asked.has(m[0].toLowerCase())) || namesSomeone(text, asked);
}
