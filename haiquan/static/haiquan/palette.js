/* One colour per category, the same in every chart (statistics, time release, trader
   analysis): a lane, a party whose time it is, this year against last year. Charts look their
   colours up here by the category's key, never by position in a list. */
(function () {
  "use strict";
  var colours = {
    lane: { green: "#00703c", yellow: "#ffdd00", red: "#d4351c" },
    party: {
      customs: "#1d70b8",
      agency: "#912b88",
      trader: "#f47738",
      movement: "#28a197",
      bank: "#b58840",
      system: "#505a5f"
    },
    year: { current: "#1d70b8", previous: "#b1b4b6" },
    other: "#b1b4b6"
  };
  window.haiquanColour = function (category, key) {
    var table = colours[category] || {};
    return table[key] || colours.other;
  };
})();
