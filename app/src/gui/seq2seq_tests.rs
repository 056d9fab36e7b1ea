//! The seq2seq strategy in the GUI, driven headless: a run with attention trains from
//! the Train button, the Training view draws its teacher-forcing ratio, and Results
//! switch the last panel from the forecast to the attention heat map.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::config::{Attention, SamplingSchedule, Strategy, TeacherForcing};

use super::state::Tab;
use super::tests::{tiny, trained_with};

#[test]
fn a_seq2seq_run_shows_its_teacher_ratio_and_its_attention() {
    let mut config = tiny(3);
    config.model.strategy = Strategy::Seq2seq;
    config.model.attention = Attention::General;
    config.train.teacher_forcing = TeacherForcing {
        start: 1.0,
        schedule: SamplingSchedule::Linear { epochs: None },
    };
    let mut h = trained_with(config);
    let summary = h.state().session.summary.clone().unwrap();
    // Linear over the 3-epoch budget: 1, 2/3, 1/3.
    let ratios: Vec<f64> = summary
        .training
        .history
        .iter()
        .map(|e| e.teacher_forcing.unwrap())
        .collect();
    for (r, want) in ratios.iter().zip([1.0, 2.0 / 3.0, 1.0 / 3.0]) {
        assert!((r - want).abs() < 1e-12, "{ratios:?}");
    }
    assert_eq!(ratios.len(), 3);
    // The Training view draws the ratio under the learning rate.
    h.state_mut().persisted.tab = Tab::Training;
    h.run_steps(2);
    h.get_by_label("Teacher forcing: share of decoder steps fed the true value");
    // Results: the header names the decoder's attention, and the last panel switches
    // to the heat map of the forecast past the end (3 steps × 14 lookback steps).
    h.state_mut().persisted.tab = Tab::Results;
    h.run_steps(2);
    h.get_by_label_contains("seq2seq + general attention");
    let map = summary.future.attention.as_ref().expect("an attention map");
    assert_eq!((map.len(), map[0].len()), (3, 14));
    h.get_by_label("Attention map").click();
    h.run_steps(2);
    h.get_by_label(&format!(
        "Attention of the forecast after {}: which past steps each step read",
        summary.future.origin
    ));
    // A test forecast can be chosen instead: the first one kept (24 of them, the first
    // at the top of the list).
    let first = summary
        .test_attention
        .first()
        .expect("test forecasts' attention");
    h.get_by_role_and_label(Role::ComboBox, "Map of").click();
    h.run_steps(4);
    let item = format!("test, after {}", first.origin);
    h.get_by_label(&item).click();
    h.run_steps(4);
    h.get_by_label(&format!(
        "Attention of the forecast after {}: which past steps each step read",
        first.origin
    ));
}
