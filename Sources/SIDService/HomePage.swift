/// The page at `/`: pick a raw and a ratio, see the enhanced image. Self-contained (no external assets), so it
/// works offline and under a strict Content-Security-Policy.
enum HomePage {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob:; connect-src 'self'; form-action 'none'; base-uri 'none'"

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>sid: Learning to See in the Dark</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; background: #111; color: #eee; }
      a { color: #9cf; }
      form { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-end; padding: 1rem; background: #1e1e1e; border-radius: .5rem; }
      label { display: flex; flex-direction: column; gap: .3rem; font-size: .9rem; color: #bbb; }
      label[hidden] { display: none; }
      input, select, button { font: inherit; }
      button { padding: .45rem 1.4rem; cursor: pointer; }
      #status { min-height: 1.5em; color: #aaa; }
      #status.error { color: #f88; }
      #result { display: none; max-width: 100%; border-radius: .3rem; }
      #result.loaded { display: block; }
    </style>
    </head>
    <body>
    <h1>sid</h1>
    <p>Pick a dark camera raw (ARW, DNG, NEF, CR2, RAF, ...) and an exposure ratio: the
    <a href="https://arxiv.org/abs/1805.01934">Learning to See in the Dark</a> network turns it into a bright PNG.
    No raw at hand? <code>sid sample dark.dng</code> writes one.</p>
    <form id="form">
      <label>Raw file <input type="file" id="file" name="file" required></label>
      <label>Ratio <input id="ratio" name="ratio" value="auto" size="7" title="a number greater than 0 and at most 1000, or auto"></label>
      <label>Bits <select id="bits" name="bits"><option>8</option><option>16</option></select></label>
      <label>Model <select id="model" name="model"></select></label>
      <label id="key-label" hidden>API key <input type="password" id="key" autocomplete="off" size="20"></label>
      <button id="submit" type="submit">Enhance</button>
    </form>
    <p id="status" role="status"></p>
    <img id="result" alt="the enhanced image">
    <script>
    "use strict";
    const form = document.getElementById("form");
    const status = document.getElementById("status");
    const result = document.getElementById("result");
    const button = document.getElementById("submit");
    const models = document.getElementById("model");
    const key = document.getElementById("key");

    // The key field has no name, so it never goes into the form's body: it travels as X-API-Key, and is kept
    // only by this page (no storage), shown once the service answers 401.
    function keyHeaders() {
      const value = key.value.trim();
      return value ? { "X-API-Key": value } : {};
    }

    function loadModels() {
      fetch("/v1/models", { headers: keyHeaders() }).then(r => {
        if (r.status === 401) {
          document.getElementById("key-label").hidden = false;
          say(key.value.trim() ? "The service does not accept that API key." : "This service asks for an API key.", true);
          return null;
        }
        return r.ok ? r.json() : null;
      }).then(doc => {
        if (!doc) return;
        while (models.options.length) models.remove(0);
        for (const model of doc.models) {
          const isDefault = model.name === doc.default;
          models.add(new Option(model.name, model.name, isDefault, isDefault));
        }
        if (key.value.trim()) say("", false);
      }).catch(() => {});
    }
    loadModels();
    key.addEventListener("change", loadModels);

    function say(text, isError) {
      status.textContent = text;
      status.className = isError ? "error" : "";
    }

    form.addEventListener("submit", async event => {
      event.preventDefault();
      const data = new FormData(form);
      for (const name of ["ratio", "model"]) {
        if (!String(data.get(name) || "").trim()) data.delete(name);
      }
      const file = data.get("file");
      button.disabled = true;
      say("Enhancing " + file.name + " (" + (file.size / 1e6).toFixed(1) + " MB)...", false);
      try {
        const response = await fetch("/v1/enhance", { method: "POST", body: data, headers: keyHeaders() });
        if (!response.ok) {
          let detail = response.status + " " + response.statusText;
          try { detail = (await response.json()).detail || detail; } catch (ignored) {}
          say(detail, true);
          return;
        }
        const blob = await response.blob();
        const header = name => response.headers.get(name) || "?";
        const url = URL.createObjectURL(blob);
        // "decode;dur=8.5, forward;dur=150.1" -> "decode 9 ms, forward 150 ms"
        const timings = header("Server-Timing").split(",").map(part => {
          const [name, duration] = part.trim().split(";dur=");
          return name + " " + Math.round(Number(duration)) + " ms";
        }).join(", ");
        result.onload = () => {
          result.classList.add("loaded");
          say("model " + header("X-SID-Model") + ", ratio " + header("X-SID-Ratio") + " (" + header("X-SID-Ratio-Source")
              + "), " + result.naturalWidth + "x" + result.naturalHeight + " pixels; " + timings, false);
        };
        result.onerror = () => say("The answer is not an image the browser can show.", true);
        if (result.src) URL.revokeObjectURL(result.src);
        result.src = url;
      } catch (error) {
        say("The request failed: " + error.message, true);
      } finally {
        button.disabled = false;
      }
    });
    </script>
    </body>
    </html>
    """#
}
