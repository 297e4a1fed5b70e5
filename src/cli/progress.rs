//! The terminal's progress line while a plan reads its targets:
//! `planning: 12/40 zone × target`, redrawn every 250 ms on standard error, erased when planning
//! ends. Drawn only when standard error is a terminal and the run has 20 pairs or more (a
//! small run is over before anyone could read it). The engine only reports
//! ([`engine::Progress`]); this is where it is shown.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::engine;

/// Runs below this many zone × target pairs draw no line.
const MIN_PAIRS: usize = 20;
const EVERY: Duration = Duration::from_millis(250);

/// Erases the line the ticker drew (carriage return, erase to end of line).
const ERASE: &str = "\r\x1b[K";

type Out = Box<dyn Write + Send>;

/// An [`engine::Progress`] that draws the progress line.
pub struct Ticker {
    /// Where the line goes; None: draw nothing.
    out: Mutex<Option<Out>>,
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<Out>>>,
}

struct Shared {
    done: AtomicUsize,
    stop: Mutex<bool>,
    wake: Condvar,
}

impl Ticker {
    /// On standard error when it is a terminal, otherwise silent.
    pub fn stderr() -> Self {
        let out: Option<Out> = if std::io::stderr().is_terminal() {
            Some(Box::new(std::io::stderr()))
        } else {
            None
        };
        Self::to(out)
    }

    /// Draws on `out` (None: nothing).
    fn to(out: Option<Out>) -> Self {
        Ticker {
            out: Mutex::new(out),
            shared: Arc::new(Shared {
                done: AtomicUsize::new(0),
                stop: Mutex::new(false),
                wake: Condvar::new(),
            }),
            thread: Mutex::new(None),
        }
    }
}

impl engine::Progress for Ticker {
    fn started(&self, total: usize) {
        if total < MIN_PAIRS {
            return;
        }
        let Some(mut out) = self.out.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let shared = self.shared.clone();
        let handle = std::thread::spawn(move || {
            let mut stop = shared.stop.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let done = shared.done.load(Ordering::Relaxed);
                let _ = write!(out, "{ERASE}planning: {done}/{total} zone × target");
                let _ = out.flush();
                if *stop {
                    return out;
                }
                stop = match shared.wake.wait_timeout(stop, EVERY) {
                    Ok((s, _)) => s,
                    Err(e) => e.into_inner().0,
                };
                if *stop {
                    return out;
                }
            }
        });
        *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    fn planned(&self, done: usize, _total: usize) {
        self.shared.done.store(done, Ordering::Relaxed);
    }

    fn finished(&self) {
        let Some(handle) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        *self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Ok(mut out) = handle.join() {
            let _ = write!(out, "{ERASE}");
            let _ = out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Progress;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buf {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// Waits (up to 10 s) until `buf` holds `s`.
    fn wait_for(buf: &Buf, s: &str) {
        let t0 = std::time::Instant::now();
        while !buf.text().contains(s) {
            assert!(
                t0.elapsed().as_secs() < 10,
                "{s:?} never drawn: {:?}",
                buf.text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn draws_the_count_then_erases_the_line() {
        let buf = Buf::default();
        let t = Ticker::to(Some(Box::new(buf.clone())));
        t.started(25);
        // drawn at once, then redrawn every 250 ms with the count of the moment
        wait_for(&buf, "\r\x1b[Kplanning: 0/25 zone × target");
        t.planned(7, 25);
        wait_for(&buf, "\r\x1b[Kplanning: 7/25 zone × target");
        t.finished();
        let text = buf.text();
        assert!(
            text.starts_with("\r\x1b[Kplanning: 0/25 zone × target"),
            "{text:?}"
        );
        assert!(text.ends_with("zone × target\r\x1b[K"), "{text:?}");
        // finished twice (the engine's guard and a caller) erases once
        t.finished();
        assert_eq!(buf.text(), text);
    }

    #[test]
    fn small_runs_and_non_terminals_draw_nothing() {
        let buf = Buf::default();
        let t = Ticker::to(Some(Box::new(buf.clone())));
        t.started(MIN_PAIRS - 1);
        t.planned(3, MIN_PAIRS - 1);
        t.finished();
        assert_eq!(buf.text(), "");
        let silent = Ticker::to(None);
        silent.started(1000);
        silent.finished();
        assert!(silent.thread.lock().unwrap().is_none());
    }
}
