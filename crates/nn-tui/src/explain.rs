//! `nn-tui explain`: one sample's backpropagation through a saved model, every
//! neuron layer by layer, in the seed's terms (o_in, w, z, o, d, δ, Δw), as text
//! or JSON. The breakdown itself is nn-core's; this only lays it out.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, Result, anyhow};
use nn_core::{Breakdown, NeuronBreakdown};
use nn_formula::{BreakdownText, NeuronText, Notation, RuleText, SourceText};
use nn_run::Purpose;
use nn_train::{Desired, Model, SamplePart};
use serde_json::{Value, json};

use crate::Outcome;
use crate::model;
use nn_tui::ExplainArgs;

/// Terms a formula line shows before summing up the rest (the table lists every input).
const TERMS: usize = 8;

/// Runs `nn-tui explain`.
pub fn run(args: &ExplainArgs) -> Result<Outcome> {
    let model = model::load(&args.model)?;
    let flag = |part| match part {
        SamplePart::Input => "--input",
        SamplePart::Target => "--target",
    };
    let raw = model
        .parse_input(&args.input)
        .map_err(|e| anyhow!("{} {e}", flag(e.part)))?;
    let desired = model
        .parse_target(&args.target)
        .map_err(|e| anyhow!("{} {e}", flag(e.part)))?;
    let inputs = model.network.architecture().inputs();
    let (rate, rate_source) = match args.lr {
        Some(r) => (r, "--lr"),
        None => (
            nn_run::defaults(Purpose::Headless, inputs).rates.sgd,
            "train's plain-SGD default; --lr sets it",
        ),
    };
    let breakdown = model.breakdown(&raw, &desired, rate)?;
    let text = if args.json {
        let mut s = json_report(args, &model, &raw, &desired, &breakdown).to_string();
        s.push('\n');
        s
    } else {
        text_report(args, &model, &raw, &desired, &breakdown, rate_source)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
    Ok(Outcome::Done)
}

fn desired_text(model: &Model, desired: &Desired, n: &Notation) -> String {
    match desired {
        Desired::Class(c) => {
            let name = model
                .info
                .class_names
                .get(*c as usize)
                .map_or(String::new(), |name| format!(" ({name:?})"));
            format!("class {c}{name}")
        }
        Desired::Values(v) => {
            let values: Vec<String> = v.iter().map(|&x| n.number(x.into())).collect();
            format!("d = {}", values.join(", "))
        }
    }
}

fn text_report(
    args: &ExplainArgs,
    model: &Model,
    raw: &[f32],
    desired: &Desired,
    b: &Breakdown,
    rate_source: &str,
) -> String {
    let n = Notation::SEED;
    let arch = model.network.architecture();
    let (names, network_names) = (model.input_names(), model.network_input_names());
    let pairs = |names: &[String], values: &[f32]| {
        names
            .iter()
            .zip(values)
            .map(|(name, &v)| format!("{name} = {}", n.number(v.into())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let features = match &model.features {
        Some(f) => format!("input features {} computed, ", f.names().join(", ")),
        None => String::new(),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "model   {}: {arch}, {} hidden, {} output, loss {}",
        args.model.path.display(),
        arch.hidden,
        arch.output,
        arch.loss
    );
    let _ = writeln!(s, "input   {} (raw)", pairs(&names, raw));
    let _ = writeln!(
        s,
        "        {features}normalised as in training ({}), as predict does: the network sees {}",
        model.normalization.kind.name(),
        pairs(&network_names, &b.inputs)
    );
    let _ = writeln!(s, "target  {}", desired_text(model, desired, &n));
    let _ = writeln!(
        s,
        "rate    r = {} ({rate_source})",
        n.number(b.learning_rate.into())
    );
    let _ = writeln!(s, "loss    {} for this sample", b.loss_text(&n));
    s.push_str(
        "\nEach neuron sums its inputs o_in times its weights w, the bias being the weight w_0 of a\n\
         constant input -1 (w_0 = -b); o = f(z); δ = dP/dz by the rule named under it; and\n\
         Δw = r·o_in·δ is the change one plain gradient-descent step on this sample alone makes to\n\
         each weight. Neurons are named n<layer>.<index>, the inputs being layer 0.\n",
    );
    let last = b.layers.len() - 1;
    for (l, layer) in b.layers.iter().enumerate() {
        let role = if l == last { "output" } else { "hidden" };
        let _ = writeln!(
            s,
            "\nlayer {}: {} {role} neuron{}, {}",
            l + 1,
            layer.neurons.len(),
            if layer.neurons.len() == 1 { "" } else { "s" },
            layer.activation
        );
        for neuron in &layer.neurons {
            neuron_text(
                &mut s,
                neuron,
                layer.activation,
                b.learning_rate,
                &network_names,
                &n,
            );
        }
    }
    s
}

fn neuron_text(
    s: &mut String,
    neuron: &NeuronBreakdown,
    activation: nn_core::Activation,
    rate: f32,
    inputs: &[String],
    n: &Notation,
) {
    let _ = writeln!(s, "\n{}", neuron.name());
    let _ = writeln!(s, "  {}", neuron.sum_formula(n, TERMS));
    let _ = writeln!(s, "  {}", neuron.output_formula(activation, n));
    if let Some(d) = neuron.desired {
        let _ = writeln!(s, "  d = {}", n.number(d.into()));
    }
    let _ = writeln!(s, "  {}", neuron.delta_formula(n, TERMS));
    let _ = writeln!(s, "      {}", neuron.rule.description(n));
    let rows: Vec<[String; 4]> = neuron
        .incoming
        .iter()
        .map(|i| {
            [
                i.source.name(neuron.layer, inputs),
                n.number(i.input.into()),
                n.number(i.weight.into()),
                n.number(i.change.into()),
            ]
        })
        .collect();
    let header = [
        "from".to_string(),
        "o_in".into(),
        "w".into(),
        format!(
            "Δw = r·o_in·δ = {}·o_in·{}",
            n.number(rate.into()),
            parenthesised(n.number(neuron.delta.into()))
        ),
    ];
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .chain([header[c].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            s,
            "  {:<w0$}  {:>w1$}  {:>w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
    }
}

/// `(-0.2)` for a negative number in a product, else the number.
fn parenthesised(number: String) -> String {
    if number.starts_with('-') {
        format!("({number})")
    } else {
        number
    }
}

fn json_report(
    args: &ExplainArgs,
    model: &Model,
    raw: &[f32],
    desired: &Desired,
    b: &Breakdown,
) -> Value {
    let n = Notation::SEED;
    let arch = model.network.architecture();
    let layers: Vec<Value> = b
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let neurons: Vec<Value> = layer
                .neurons
                .iter()
                .map(|neuron| {
                    let mut v = serde_json::to_value(neuron).unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut v {
                        map.insert("name".into(), neuron.name().into());
                        map.insert(
                            "formulas".into(),
                            json!({
                                "z": neuron.sum_formula(&n, usize::MAX),
                                "o": neuron.output_formula(layer.activation, &n),
                                "delta": neuron.delta_formula(&n, usize::MAX),
                                "rule": neuron.rule.description(&n),
                            }),
                        );
                    }
                    v
                })
                .collect();
            json!({
                "layer": l,
                "activation": layer.activation.name(),
                "neurons": neurons,
            })
        })
        .collect();
    let target = match desired {
        Desired::Class(c) => json!({
            "class": c,
            "name": model.info.class_names.get(*c as usize),
        }),
        Desired::Values(v) => json!({ "values": v }),
    };
    json!({
        "model": args.model.path.display().to_string(),
        "architecture": arch.sizes,
        "hidden": arch.hidden.name(),
        "output": arch.output.name(),
        "loss": arch.loss.name(),
        "input": {
            "names": model.input_names(),
            "raw": raw,
            "features": model.features.as_ref().map(nn_data::Features::names),
            "normalization": model.normalization.kind.name(),
            "network_names": model.network_input_names(),
            "normalised": b.inputs,
        },
        "target": target,
        "learning_rate": b.learning_rate,
        "sample_loss": b.loss_value,
        "layers": layers,
    })
}
