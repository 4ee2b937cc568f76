// Small browser helpers for the studio: theme memory and a marker that the page is interactive.
window.studio = {
  getTheme: () => localStorage.getItem("cs-theme"),
  setTheme: (value) => localStorage.setItem("cs-theme", value),
  markInteractive: () => { document.body.dataset.interactive = "true"; },
};
