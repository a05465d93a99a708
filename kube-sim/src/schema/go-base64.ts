const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Where Go's standard base64 decoder (which decodes `[]byte` fields such as Secret `data`)
 * stops on this text: the byte offset its "illegal base64 data at input byte N" names, or
 * undefined when the text decodes. Padding is required; line breaks are skipped.
 */
export function base64ErrorOffset(text: string): number | undefined {
  const skipBreaks = (at: number) => {
    while (at < text.length && (text[at] === '\n' || text[at] === '\r')) at++;
    return at;
  };
  let at = 0;
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (at === text.length) {
        if (j === 0) return undefined;
        return at - j;
      }
      const char = text[at++];
      if (ALPHABET.includes(char)) continue;
      if (char === '\n' || char === '\r') {
        j--;
        continue;
      }
      if (char !== '=' || j < 2) return at - 1;
      if (j === 2) {
        // "==" expected: the second "=" must follow.
        at = skipBreaks(at);
        if (at === text.length) return text.length;
        if (text[at] !== '=') return at - 1;
        at++;
      }
      at = skipBreaks(at);
      return at < text.length ? at : undefined;
    }
  }
}
