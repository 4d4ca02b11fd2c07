// kyso – the citizen's confirmation page. The transaction's ID is the
// last path segment; its token is in the address (see below): it goes to
// kyso's JSON only in the POST bodies below.
(function () {
  "use strict";
  var id = decodeURIComponent(location.pathname.split("/").pop() || "");
  // The token comes in the fragment (#t=… or #token=…, never sent to a
  // server) or the query (?token=…); it is then taken out of the address
  // bar and the history, so that it is not shared with a screenshot or a
  // copied link.
  var frag = new URLSearchParams(location.hash.slice(1));
  var query = new URLSearchParams(location.search);
  var token = frag.get("t") || frag.get("token") || query.get("t") || query.get("token") || "";
  if (token && history.replaceState) {
    history.replaceState(null, "", location.pathname);
  }
  var $ = function (x) { return document.getElementById(x); };
  var base = "/confirm/" + encodeURIComponent(id) + "/";

  // What the citizen is told for each error code of kyso's API.
  var messages = {
    consent_failed: "Mã PIN hoặc mã xác thực không đúng. Vui lòng kiểm tra và nhập lại.",
    credential_locked: "Bạn đã nhập sai quá nhiều lần nên tạm thời bị khóa. Vui lòng thử lại sau ít phút, hoặc liên hệ bộ phận một cửa để mở khóa.",
    expired: "Yêu cầu ký đã hết hạn. Vui lòng tạo yêu cầu mới trên hệ thống của cơ quan.",
    conflict: "Yêu cầu này đã được xử lý (đã xác nhận, đã từ chối hoặc đã hết hạn).",
    not_found: "Không tìm thấy yêu cầu ký, hoặc đường dẫn không đầy đủ. Hãy mở lại đường dẫn mà cơ quan gửi cho bạn.",
    invalid_request: "Vui lòng nhập mã PIN và mã xác thực gồm 6 chữ số.",
    rate_limited: "Bạn thao tác quá nhanh. Vui lòng đợi một chút rồi thử lại."
  };
  var fallback = "Không thể xử lý yêu cầu lúc này. Vui lòng thử lại sau.";

  function show(text, ok) {
    var m = $("message");
    m.textContent = text;
    m.className = ok ? "message ok" : "message";
    m.hidden = false;
  }

  function post(what, body) {
    body.token = token;
    return fetch(base + what, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var code = (j && j.error && j.error.code) || "";
          var err = new Error(code);
          err.code = code;
          throw err;
        }
        return j;
      });
    });
  }

  function fail(err) {
    show(messages[err.code] || fallback, false);
    if (err.code === "conflict" || err.code === "not_found") {
      $("form").hidden = true;
    }
  }

  function time(s) {
    var d = new Date(s);
    if (isNaN(d)) { return s; }
    return d.toLocaleString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
  }

  function render(v) {
    $("agency").textContent = v.client_name + (v.agency && v.agency !== v.client_name ? " (" + v.agency + ")" : "");
    $("docid").textContent = v.doc_id || "—";
    $("docname").textContent = v.doc_name || "—";
    $("holder").textContent = v.holder || "—";
    $("count").textContent = String(v.num_signatures);
    $("hashes").textContent = (v.hash_prefixes || []).join(" · ");
    $("expires").textContent = time(v.expires_at);
    $("loading").hidden = true;
    $("request").hidden = false;
    if (v.state !== "pending") {
      $("form").hidden = true;
      show(v.state === "confirmed" ? "Bạn đã xác nhận yêu cầu này." :
        v.state === "refused" ? "Bạn đã từ chối yêu cầu này." : messages.expired, v.state === "confirmed");
    }
  }

  function busy(on) {
    $("confirm").disabled = on;
    $("refuse").disabled = on;
  }

  if (!id || !token) {
    $("loading").hidden = true;
    show(messages.not_found, false);
    return;
  }
  post("view", {}).then(render).catch(function (e) { $("loading").hidden = true; fail(e); });

  $("form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pin = $("pin").value.trim(), otp = $("otp").value.replace(/\s+/g, "");
    if (!pin || !/^[0-9]{6}$/.test(otp)) {
      show(messages.invalid_request, false);
      return;
    }
    busy(true);
    post("confirm", { pin: pin, otp: otp }).then(function () {
      $("form").hidden = true;
      show("Đã xác nhận. Chữ ký số sẽ được tạo cho tài liệu; bạn có thể đóng trang này.", true);
    }).catch(function (e) {
      $("otp").value = "";
      fail(e);
    }).then(function () { busy(false); });
  });

  $("refuse").addEventListener("click", function () {
    busy(true);
    post("refuse", {}).then(function () {
      $("form").hidden = true;
      show("Bạn đã từ chối yêu cầu ký. Tài liệu sẽ không được ký.", false);
    }).catch(fail).then(function () { busy(false); });
  });
}());
