// Small browser helpers for the studio: theme memory and file downloads.
window.studio = {
  getTheme: () => localStorage.getItem("cs-theme"),
  setTheme: (value) => localStorage.setItem("cs-theme", value),
};
