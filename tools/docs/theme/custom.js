// weft docs: renders ```mermaid blocks with the mermaid bundle copied next to this file (no network).
(() => {
  const here = document.currentScript?.src ?? '';
  const base = here ? here.replace(/[^/]*$/, '') : 'assets/';
  const isDark = () => {
    const theme = document.documentElement.dataset.theme;
    if (theme === 'dark' || theme === 'light') return theme === 'dark';
    return window.matchMedia('(prefers-color-scheme: dark)').matches;
  };
  // Mermaid caps the SVG's width with an inline max-width; lift it while enlarged.
  function zoom(figure, on) {
    figure.classList.toggle('weft-zoomed', on);
    const svg = figure.querySelector('svg');
    if (!svg) return;
    if (on) {
      svg.dataset.maxWidth = svg.style.maxWidth;
      svg.style.maxWidth = 'none';
    } else {
      svg.style.maxWidth = svg.dataset.maxWidth ?? '';
    }
  }
  function render() {
    const blocks = document.querySelectorAll('pre > code.mermaid, pre > code.language-mermaid');
    if (blocks.length === 0) return;
    const nodes = [];
    for (const code of blocks) {
      const figure = document.createElement('div');
      figure.className = 'mermaid weft-diagram';
      figure.textContent = code.textContent;
      code.parentElement.replaceWith(figure);
      nodes.push(figure);
      // A click shows the diagram at its natural size over the page; another click, or Escape, puts it back.
      figure.title = 'Click to enlarge';
      figure.addEventListener('click', () => zoom(figure, !figure.classList.contains('weft-zoomed')));
    }
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') for (const f of document.querySelectorAll('.weft-zoomed')) zoom(f, false);
    });
    document.body.dataset.mermaid = 'loading';
    const script = document.createElement('script');
    script.src = `${base}mermaid.min.js`;
    script.onload = () => {
      const mermaid = globalThis.mermaid;
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: isDark() ? 'dark' : 'default',
        // Narrow actors and wrapped messages keep a sequence diagram of many participants readable in the column.
        sequence: { wrap: true, width: 120, actorMargin: 24, messageMargin: 28, boxMargin: 6, noteMargin: 6 },
      });
      mermaid.run({ nodes }).then(
        () => {
          document.body.dataset.mermaid = 'done';
        },
        (error) => {
          document.body.dataset.mermaid = 'error';
          console.error('mermaid:', error);
        },
      );
    };
    script.onerror = () => {
      document.body.dataset.mermaid = 'error';
      console.error('mermaid: could not load', script.src);
    };
    document.head.appendChild(script);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
  else render();
})();
