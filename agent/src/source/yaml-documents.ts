import { formatBytes, SourceError, type SourceLimits } from './limits';

/** One YAML document's text, cut from a file before anything is parsed. */
export interface DocumentText {
  text: string;
  /** 1-based line of the file where `text` begins. */
  line: number;
}

/** Documents seen so far in one target, shared by all its files: the document limit is per target. */
export interface DocumentCount {
  documents: number;
}

/** A line that starts or ends a document: `---` or `...` at column 0, alone or followed by a blank. */
function isMarker(text: string, start: number): boolean {
  const c = text.charCodeAt(start);
  if (c !== 0x2d && c !== 0x2e) return false; // '-' or '.'
  if (text.charCodeAt(start + 1) !== c || text.charCodeAt(start + 2) !== c) return false;
  const next = text.charCodeAt(start + 3);
  return Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d;
}

/**
 * Cuts a file's text into its documents at `---` and `...` lines, counting every document
 * (empty ones too) and measuring each as it is cut, so that a file of a million empty
 * documents or one giant document is refused after a scan of its text and before the YAML
 * parser sees any of it. YAML ends a block or quoted scalar at a marker at column 0, so a cut
 * there never splits a document the parser would have kept whole. `count` is shared by the
 * files of one target; `where` names the target's path for the message.
 */
export function splitDocuments(
  text: string,
  file: string,
  where: string,
  limits: Pick<SourceLimits, 'maxDocuments' | 'maxDocumentBytes'>,
  count: DocumentCount,
): DocumentText[] {
  const documents: DocumentText[] = [];
  let docStart = 0;
  let docLine = 1;
  let line = 1;
  let hasContent = false;
  const cut = (end: number): void => {
    count.documents += 1;
    if (count.documents > limits.maxDocuments) {
      throw new SourceError(`${file}:${docLine}: more than ${limits.maxDocuments} documents under ${where} (empty ones count too)`);
    }
    const bytes = Buffer.byteLength(text.slice(docStart, end), 'utf8');
    if (bytes > limits.maxDocumentBytes) {
      throw new SourceError(
        `${file}:${docLine}: document is ${formatBytes(bytes)}, over the limit of ${formatBytes(limits.maxDocumentBytes)} for one document`,
      );
    }
    documents.push({ text: text.slice(docStart, end), line: docLine });
  };
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    if (isMarker(text, start)) {
      const isEnd = text.charCodeAt(start) === 0x2e;
      if (!isEnd) {
        // `---` starts a document, ending the one before; comments and directives before it are its own.
        if (hasContent) {
          cut(start);
          docStart = start;
          docLine = line;
        }
        hasContent = true;
      } else {
        // `...` ends a document (one with nothing in it still counts).
        cut(end);
        docStart = end;
        docLine = line + 1;
        hasContent = false;
      }
    } else if (!hasContent && !isPreamble(text, start, end)) {
      hasContent = true;
    }
    start = end;
    line += 1;
  }
  if (hasContent) cut(text.length);
  return documents;
}

/** A blank line, a comment or a directive (`%YAML`): what may come before a document's `---`. */
function isPreamble(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x23 || (c === 0x25 && i === start); // '#', or '%' at column 0
  }
  return true;
}
