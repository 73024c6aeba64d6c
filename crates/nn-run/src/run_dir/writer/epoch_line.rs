//! An epoch's record as a line of JSON, written field by field: the bytes
//! `serde_json` writes for [`Record`] (its derived `Serialize`, the `entry`
//! flattened), without its map machinery. A sweep's trial writes 100 of them
//! at its end; through `serde_json` they were about a seventh of what a trial
//! costs beyond its training. The confusion matrices are written field by
//! field too (through `serde_json`, they and the constant pieces' calls of
//! `memmove` were a third of a line's cost: 0.45 us a line, 0.29 us without).
//! Leaf values (numbers, and the rarer nested values) still go through
//! `serde_json`, so their text is its own; the test below holds the whole
//! line to it.

use nn_train::{ConfusionMatrix, EpochReport, Metrics, json_float};
use serde::Serialize;

/// Appends `{"t":T,"epoch":{...}}` for an epoch that ended at `t` seconds.
pub(super) fn write_epoch_record(out: &mut Vec<u8>, t: f64, report: &EpochReport) {
    // Every field named, so a field added to the report fails to compile here.
    let EpochReport {
        epoch,
        train,
        validation,
        test,
        learning_rate,
        seconds,
        samples_per_second,
        improved,
        stop_early,
        stalled,
    } = report;
    put(out, b"{\"t\":");
    value(out, &t);
    put(out, b",\"epoch\":{\"epoch\":");
    value(out, epoch);
    put(out, b",\"train\":");
    metrics(out, train);
    put(out, b",\"validation\":");
    optional_metrics(out, validation.as_ref());
    put(out, b",\"test\":");
    optional_metrics(out, test.as_ref());
    put(out, b",\"learning_rate\":");
    float(out, *learning_rate);
    put(out, b",\"seconds\":");
    float(out, *seconds);
    put(out, b",\"samples_per_second\":");
    float(out, *samples_per_second);
    put(out, b",\"improved\":");
    value(out, improved);
    put(out, b",\"stop_early\":");
    value(out, stop_early);
    put(out, b",\"stalled\":");
    value(out, stalled);
    put(out, b"}}");
}

fn metrics(out: &mut Vec<u8>, m: &Metrics) {
    let Metrics {
        loss,
        samples,
        confusion,
        mse,
        r2,
    } = m;
    put(out, b"{\"loss\":");
    float(out, *loss);
    put(out, b",\"samples\":");
    value(out, samples);
    put(out, b",\"confusion\":");
    match confusion {
        Some(c) => confusion_matrix(out, c),
        None => out.extend_from_slice(b"null"),
    }
    put(out, b",\"mse\":");
    optional_float(out, *mse);
    put(out, b",\"r2\":");
    optional_float(out, *r2);
    out.push(b'}');
}

/// `{"classes":N,"counts":[...]}`, the derived `Serialize`'s bytes without
/// its struct machinery (two matrices a line were a fifth of its cost).
fn confusion_matrix(out: &mut Vec<u8>, c: &ConfusionMatrix) {
    put(out, b"{\"classes\":");
    value(out, &c.classes());
    put(out, b",\"counts\":[");
    for (i, n) in c.counts().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        value(out, n);
    }
    put(out, b"]}");
}

/// Appends a constant piece of a line: inlined with its length known, a few
/// moves rather than a call of `memmove` (a line has twenty such pieces).
#[allow(clippy::inline_always)] // the point: a constant length where the copy is made
#[inline(always)]
fn put<const N: usize>(out: &mut Vec<u8>, piece: &[u8; N]) {
    out.extend(*piece);
}

fn optional_metrics(out: &mut Vec<u8>, m: Option<&Metrics>) {
    match m {
        Some(m) => metrics(out, m),
        None => out.extend_from_slice(b"null"),
    }
}

/// A float as [`json_float`] writes it.
fn float<T: json_float::JsonFloat>(out: &mut Vec<u8>, v: T) {
    json_float::serialize(&v, &mut serde_json::Serializer::new(&mut *out))
        .expect("a float serialises");
}

fn optional_float(out: &mut Vec<u8>, v: Option<f64>) {
    match v {
        Some(v) => float(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

fn value<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("plain data serialises");
}

#[cfg(test)]
mod tests {
    use nn_train::{Stall, UnitTrouble};

    use super::*;
    use crate::run_dir::record::tests::report;
    use crate::run_dir::record::{Entry, Record};

    fn serde_line(t: f64, report: &EpochReport) -> String {
        let record = Record {
            t,
            entry: Entry::Epoch(report.clone()),
        };
        serde_json::to_string(&record).unwrap()
    }

    #[test]
    fn an_epoch_line_is_the_bytes_serde_json_writes() {
        let mut reports = vec![
            report(1, Some((7, 3)), 0.25),
            report(100, None, f64::NAN),
            report(3, Some((0, 0)), f64::INFINITY),
        ];
        let mut r = report(12, Some((9, 1)), 1e-300);
        r.validation = r.test.take();
        r.learning_rate = f32::NEG_INFINITY;
        r.seconds = 0.000_046_926_999_999_999_99;
        r.samples_per_second = 6_392_908.133_910_117;
        r.improved = true;
        r.stop_early = true;
        r.train.mse = Some(f64::NAN);
        r.train.r2 = Some(-0.5);
        let mut three = ConfusionMatrix::new(3);
        three.record(2, 1);
        r.train.confusion = Some(three);
        r.stalled = Some(Stall {
            epoch: 12,
            loss: f64::NAN,
            accuracy: Some(0.5),
            layer: 1,
            output_layer: false,
            activation: nn_core::Activation::Tanh,
            trouble: UnitTrouble::Saturated,
            units: vec![0, 3],
            width: 16,
        });
        reports.push(r);
        let mut r = report(5, None, -0.0);
        r.test = None;
        r.learning_rate = 0.023_11;
        r.train.mse = Some(1.5e-7);
        r.train.r2 = None;
        reports.push(r);
        for (i, r) in reports.iter().enumerate() {
            for t in [0.0, 0.001, 12.345, 1e9] {
                let mut out = Vec::new();
                write_epoch_record(&mut out, t, r);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_line(t, r),
                    "report {i}"
                );
            }
        }
    }
}
