// "Copy" buttons (data-copy="id of the element holding the text"): hidden without
// JavaScript, where the download link and the visible list remain.
(function () {
  function wire(root) {
    root.querySelectorAll('button[data-copy]').forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = '1';
      button.hidden = !navigator.clipboard;
      button.addEventListener('click', function () {
        var source = document.getElementById(button.dataset.copy);
        if (!source) return;
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          button.textContent = 'Copied';
        });
      });
    });
  }
  new MutationObserver(function () { wire(document); }).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  document.addEventListener('DOMContentLoaded', function () { wire(document); });
})();
