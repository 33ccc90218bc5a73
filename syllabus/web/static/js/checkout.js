/* Checkout pages. Loaded with `defer`; no inline code (CSP-safe).
 *
 * - The "continue to payment" page follows its link to the provider's hosted
 *   checkout (a redirect after a form post would break `form-action 'self'`).
 * - The Razorpay page opens Razorpay's checkout with the options the server
 *   rendered, and posts Razorpay's answer to the server, which checks its
 *   signature before anything is granted.
 */
(function () {
  "use strict";

  function followRedirect() {
    var link = document.querySelector("[data-checkout-redirect]");
    if (link && link.getAttribute("href")) {
      window.location.assign(link.getAttribute("href"));
    }
  }

  function showError(box, text) {
    if (!box) {
      return;
    }
    box.textContent = text;
    box.hidden = false;
  }

  function setUpRazorpay() {
    var data = document.getElementById("razorpay-options");
    var form = document.getElementById("razorpay-verify");
    var button = document.querySelector("[data-razorpay-open]");
    var errorBox = document.querySelector("[data-razorpay-error]");
    if (!data || !form || !button) {
      return;
    }
    var options;
    try {
      options = JSON.parse(data.textContent || "{}");
    } catch (err) {
      showError(errorBox, "The payment window could not be prepared. Reload the page to try again.");
      return;
    }
    options.handler = function (answer) {
      form.elements.razorpay_order_id.value = answer.razorpay_order_id || "";
      form.elements.razorpay_payment_id.value = answer.razorpay_payment_id || "";
      form.elements.razorpay_signature.value = answer.razorpay_signature || "";
      form.submit();
    };
    options.modal = {
      ondismiss: function () {
        button.disabled = false;
      }
    };
    button.hidden = false;
    button.addEventListener("click", function () {
      if (typeof window.Razorpay !== "function") {
        showError(errorBox, "Razorpay could not be reached. Check your connection and reload the page.");
        return;
      }
      button.disabled = true;
      var checkout = new window.Razorpay(options);
      checkout.on("payment.failed", function (answer) {
        var reason = answer && answer.error && answer.error.description;
        showError(errorBox, reason || "The payment failed. You can try again.");
        button.disabled = false;
      });
      checkout.open();
    });
  }

  function start() {
    followRedirect();
    setUpRazorpay();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
