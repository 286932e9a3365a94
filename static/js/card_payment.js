// The card form of a payment page: Stripe.js's card element; on submit the card becomes an id
// (a PaymentMethod with Stripe, a token's card with localstripe: data-flow), which the portal
// charges; if the bank asks for 3-D Secure, Stripe.js runs it, then the browser goes to the page
// the portal names. A file of its own: the Content-Security-Policy allows no inline script.
(function () {
  var form = document.getElementById("card-form");
  if (!form) return;
  var error = document.getElementById("card-error");
  var progress = document.getElementById("card-progress");
  var button = document.getElementById("card-pay");
  var texts = document.getElementById("card-texts").dataset;

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    progress.textContent = "";
    button.disabled = false;
  }

  if (typeof Stripe === "undefined") {
    fail(form.dataset.unavailable);
    button.disabled = true;
    return;
  }
  var stripe = Stripe(form.dataset.key);
  var cardElement = stripe.elements().create("card", { hidePostalCode: true });
  cardElement.mount("#card-element");
  button.disabled = false;

  function cardId() {
    if (form.dataset.flow === "token") {
      return stripe.createToken(cardElement).then(function (result) {
        if (result.error || !result.token) throw new Error(form.dataset.invalid);
        return result.token.card.id;
      });
    }
    return stripe.createPaymentMethod({ type: "card", card: cardElement }).then(function (result) {
      if (result.error) throw new Error(result.error.message || form.dataset.invalid);
      return result.paymentMethod.id;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    progress.textContent = texts.paying;
    cardId()
      .then(function (id) {
        var body = new FormData();
        body.append("payment_method", id);
        return fetch(form.dataset.submit, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
        });
      })
      .then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
          // Not the portal's answer but a page: the login (the session ended) or the refusal
          // of the form itself (its CSRF token gone stale). Nothing was charged; the page
          // again says where things stand, and sends to the login and back if need be.
          window.location.reload();
          return;
        }
        return response.json().then(function (answer) {
          if (!response.ok) {
            if (answer.next) window.location = answer.next;
            throw new Error(answer.error);
          }
          if (answer.client_secret) {
            return stripe.confirmCardPayment(answer.client_secret).then(function () {
              window.location = answer.next;
            });
          }
          window.location = answer.next;
        });
      })
      .catch(function (problem) {
        // A failed fetch is the browser's (English) TypeError: the page's own words instead.
        fail(problem instanceof TypeError ? form.dataset.network : problem.message || form.dataset.invalid);
      });
  });
})();
