// The «σε επεξεργασία» page asks every two seconds whether the payment's outcome is known, and
// shows it when it is; after two minutes it stops and says that the receipt will come by email.
(function () {
  var waiting = document.getElementById("card-waiting");
  if (!waiting) return;
  var asked = 0;
  function ask() {
    asked += 1;
    fetch(waiting.dataset.status, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.done) window.location.reload();
        else if (asked < 60) window.setTimeout(ask, 2000);
        else document.getElementById("card-waiting-text").textContent = waiting.dataset.slow;
      })
      .catch(function () { if (asked < 60) window.setTimeout(ask, 2000); });
  }
  window.setTimeout(ask, 1000);
})();
