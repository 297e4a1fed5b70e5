//! Test helpers for HTTP clients against wiremock.

use std::collections::VecDeque;
use std::sync::Mutex;

use wiremock::{Request, Respond, ResponseTemplate};

/// Answers in this order, the last one repeated from then on.
pub struct Answers(Mutex<VecDeque<ResponseTemplate>>);

impl Answers {
    pub fn new(list: Vec<ResponseTemplate>) -> Answers {
        Answers(Mutex::new(list.into()))
    }
}

impl Respond for Answers {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut list = self.0.lock().unwrap();
        if list.len() > 1 {
            list.pop_front().unwrap()
        } else {
            list[0].clone()
        }
    }
}
