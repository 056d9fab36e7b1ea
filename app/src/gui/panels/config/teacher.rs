//! A seq2seq model's teacher forcing: the starting ratio and the schedule that lowers
//! it over the epochs (shown in the Model group when the strategy is seq2seq).

use egui::Ui;
use seqcast_engine::config::{SamplingSchedule, TeacherForcing};

use super::texts as t;
use super::widgets::{combo, drag, row};

/// Starting values of a schedule's parameter when the user switches to it.
const EXP_K: f64 = 0.9;
const SIGMOID_K: f64 = 10.0;

/// The rows editing `tf`.
pub(super) fn teacher_rows(ui: &mut Ui, tf: &mut TeacherForcing) {
    row(
        ui,
        t::TEACHER_FORCING,
        drag(&mut tf.start, 0.0..=1.0).speed(0.01),
    );
    let choices = [
        (SamplingSchedule::Constant, t::SAMPLING_CONSTANT),
        (
            SamplingSchedule::Linear { epochs: None },
            t::SAMPLING_LINEAR,
        ),
        (SamplingSchedule::Exp { k: EXP_K }, t::SAMPLING_EXP),
        (
            SamplingSchedule::Sigmoid { k: SIGMOID_K },
            t::SAMPLING_SIGMOID,
        ),
    ];
    combo(ui, t::SAMPLING, &mut tf.schedule, &choices);
    match &mut tf.schedule {
        SamplingSchedule::Constant => {}
        SamplingSchedule::Linear { epochs } => {
            let mut n = epochs.unwrap_or(0);
            if row(ui, t::SAMPLING_EPOCHS, drag(&mut n, 0..=100_000)).changed() {
                *epochs = (n > 0).then_some(n);
            }
        }
        SamplingSchedule::Exp { k } => {
            row(ui, t::SAMPLING_K, drag(k, 0.01..=0.99).speed(0.01));
        }
        SamplingSchedule::Sigmoid { k } => {
            row(ui, t::SAMPLING_K, drag(k, 1.0..=1000.0).speed(0.5));
        }
    }
}
