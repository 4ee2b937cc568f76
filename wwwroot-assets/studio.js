// Small browser helpers for the studio: theme memory and a marker that the page is interactive.
window.studio = {
  // The theme lives in a cookie so the server renders it on the next page load (no light flash in dark mode).
  setTheme: (value) => { document.cookie = `cs-theme=${value}; path=/; max-age=31536000; SameSite=Lax`; },
  markInteractive: () => { document.body.dataset.interactive = "true"; },
  // True when the text is on the clipboard; false when the browser refuses (no permission, not a secure page).
  copyText: (text) => navigator.clipboard.writeText(text).then(() => true, () => false),
};
