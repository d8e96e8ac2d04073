/**
 * Camera scanning with the browser's own ``BarcodeDetector`` (Shape Detection API): a button
 * that appears only where the browser has it and reads retail codes, and a viewfinder that
 * hands the first code it reads to the sale screen, like a scan. No library: where the API is
 * missing (Chrome on Windows and Linux, Firefox, Safari without its flag) there is no button;
 * a keyboard-wedge scanner or typing the code still works there.
 */
import { useEffect, useRef, useState } from "preact/hooks";

/** The retail formats a till meets: EAN/UPC on goods, Code 128 and QR (member codes). */
const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "qr_code"];
/** How often a frame is read: fast enough to feel instant, light on a small till. */
const READ_MS = 150;

interface Detected { rawValue: string }
interface Detector { detect(source: HTMLVideoElement): Promise<Detected[]> }
interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

function detectorClass(): DetectorClass | undefined {
  return (globalThis as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
}

/** The formats this browser can read of ours; empty when it cannot scan with a camera. */
export async function cameraFormats(): Promise<string[]> {
  const Detector = detectorClass();
  if (!Detector || !navigator.mediaDevices?.getUserMedia) return [];
  try {
    const supported = await Detector.getSupportedFormats();
    return FORMATS.filter((f) => supported.includes(f));
  } catch {
    return [];
  }
}

/** The "Camera" button (only when supported) and, once pressed, the viewfinder. */
export function CameraScan({ onCode }: { onCode: (code: string) => void }) {
  const [formats, setFormats] = useState<string[]>([]);
  const [open, setOpen] = useState(false);
  useEffect(() => { void cameraFormats().then(setFormats); }, []);
  if (!formats.length) return null;
  return (
    <>
      <button type="button" data-testid="camera-scan" onClick={() => setOpen(true)}>Camera</button>
      {open && <Viewfinder formats={formats} onClose={() => setOpen(false)}
                           onCode={(code) => { setOpen(false); onCode(code); }} />}
    </>
  );
}

function Viewfinder({ formats, onCode, onClose }: {
  formats: string[]; onCode: (code: string) => void; onClose: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const Detector = detectorClass();
    const detector = Detector ? new Detector({ formats }) : null;
    const read = async () => {
      if (!live || !video.current || !detector) return;
      const found = await detector.detect(video.current).catch(() => []);
      const code = found.find((d) => d.rawValue)?.rawValue;
      if (live && code) onCode(code); else if (live) timer = setTimeout(() => void read(), READ_MS);
    };
    // the back camera where there is one (a phone or tablet till)
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(async (s) => {
      stream = s;
      if (!live || !video.current) return;
      video.current.srcObject = s;
      await video.current.play();
      void read();
    }).catch((e: Error) => setError(e.name === "NotAllowedError" ? "The camera was not allowed: allow it in the "
      + "browser's site settings, or scan with the scanner." : `No camera (${e.message}).`));
    return () => { live = false; clearTimeout(timer); stream?.getTracks().forEach((t) => t.stop()); };
  }, []);
  return (
    <div class="modal" data-testid="camera" role="dialog" aria-label="Camera scan">
      <div class="panel">
        <h2>Scan with the camera</h2>
        <video ref={video} class="viewfinder" muted playsInline />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions"><button type="button" onClick={onClose}>Cancel</button></div>
      </div>
    </div>
  );
}
