// CampaignStudio events snippet (decision 052). It posts to YOUR shop's backend, never to the studio: an API key must
// not be in a browser. The backend checks the event, puts the customer from its own session, adds the key and forwards
// it to POST /api/events (docs/events-api.md shows how).
//
//   <script src="https://studio.example.com/assets/campaignstudio-events.js"></script>
//   <script>
//     campaignStudio.init({ endpoint: "/campaignstudio/events" });   // a route of your shop
//     campaignStudio.identify("anna@example.com");                    // when the shop knows who this is
//     campaignStudio.track("viewed_product", { product: "SKU-1042", price: 49.90 });
//   </script>
(function (window) {
  "use strict";

  var shopEventTypes = ["viewed_product", "added_to_cart", "checkout_started", "order_placed"];
  var endpoint = "/campaignstudio/events";
  var email = null;

  // The event id is made once per event, so a retry of the same request is stored once.
  function eventId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  window.campaignStudio = {
    init: function (options) {
      if (options && options.endpoint) {
        endpoint = options.endpoint;
      }
    },

    // Kept in memory for this page only: an address is not written to the browser's storage.
    identify: function (address) {
      email = address ? String(address).trim().toLowerCase() : null;
    },

    track: function (type, properties) {
      if (shopEventTypes.indexOf(type) < 0) {
        return Promise.reject(new Error("campaignStudio.track: type must be one of " + shopEventTypes.join(", ")));
      }
      var event = {
        eventId: eventId(),
        type: type,
        email: email,
        occurredAt: new Date().toISOString(),
        properties: properties || {}
      };
      // keepalive lets the request finish while the page changes (a click on "checkout").
      return window.fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(event),
        credentials: "same-origin",
        keepalive: true
      }).then(function (response) {
        return response.ok;
      }, function () {
        return false;
      });
    }
  };
})(window);
