// A button with data-copy puts its value (a notice's RF code) on the clipboard and announces
// data-copied to screen readers in #copy-status. Hidden unless the browser has a clipboard.
// A file of its own, not inline: the Content-Security-Policy allows only the portal's scripts.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      document.getElementById("copy-status").textContent = button.dataset.copied;
    });
  });
});
