// Sign-up asks for a person's time zone: a list marked data-browser-time-zone starts at the zone
// this browser is in. Without JavaScript, or for a zone the list does not offer, the list keeps
// what the server chose, and the person can change it either way.

// Browsers that take their zones from ICU (Chromium among them) still give some places their
// older IANA names; the list offers the current ones (tests/auth/test_time_zones.py checks both).
const CURRENT_NAMES = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
};

const zone = browserZone();
const wanted = CURRENT_NAMES[zone] || zone;
for (const select of document.querySelectorAll("select[data-browser-time-zone]")) {
  const option = [...select.options].find((item) => item.value === wanted);
  if (option) {
    option.selected = true;
  }
}
