// Building DOM nodes. Text always goes in as text nodes, never as HTML: cluster names,
// labels, messages and diffs come from clusters and Git, and must not become markup.

/** h('a', { href: '#/x', class: 'chip', onclick: fn }, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces what an element shows, keeping the element (and focus outside it). */
export function show(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
