// A unified diff as the agent reports drift (Secret values already masked by the agent):
// one line per row, added lines green with "+", removed red with "-", so a colour-blind
// reader still has the sign.
import { h } from './dom.js';

export function diffBlock(text, label) {
  const lines = text.replace(/\n$/, '').split('\n');
  return h(
    'pre',
    { class: 'diff', tabindex: '0', 'aria-label': label },
    h(
      'code',
      null,
      lines.map((line) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'file'
            : line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+')
                ? 'add'
                : line.startsWith('-')
                  ? 'del'
                  : 'same';
        return h('span', { class: `diff-line diff-${kind}` }, line, '\n');
      }),
    ),
  );
}
