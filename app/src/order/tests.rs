//! The checkout's rules: what an order form must hold, and how the browser's fields become one.

use super::*;

fn form() -> OrderForm {
    OrderForm {
        creation_id: "c".into(),
        quote_job: String::new(),
        name: "  Ada Lovelace ".into(),
        email: "ada@example.com".into(),
        delivery: Delivery::Ship,
        address: Some(Address {
            line1: "12 Analytical Row".into(),
            line2: String::new(),
            city: "London".into(),
            region: String::new(),
            postal_code: "N1 7AA".into(),
            country: "gb".into(),
        }),
        quantity: 2,
        payment: Payment::AtPickup,
    }
}

fn field_of(result: Result<OrderForm, AppError>) -> String {
    match result {
        Err(AppError::Invalid { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_good_form_is_trimmed_and_the_country_upper_cased() {
    let checked = form().checked().unwrap();
    assert_eq!(checked.name, "Ada Lovelace");
    assert_eq!(checked.address.unwrap().country, "GB");
}

#[test]
fn each_bad_field_is_named() {
    type Spoil = Box<dyn Fn(&mut OrderForm)>;
    let cases: Vec<(Spoil, &str)> = vec![
        (Box::new(|f| f.name = " ".into()), "name"),
        (Box::new(|f| f.name = "x".repeat(121)), "name"),
        (Box::new(|f| f.name = "Ada\nL".into()), "name"),
        (Box::new(|f| f.email = "ada.example.com".into()), "email"),
        (Box::new(|f| f.email = "ada@example".into()), "email"),
        (Box::new(|f| f.email = "a da@example.com".into()), "email"),
        (Box::new(|f| f.quantity = 0), "quantity"),
        (Box::new(|f| f.quantity = MAX_QUANTITY + 1), "quantity"),
        (Box::new(|f| f.address = None), "line1"),
        (Box::new(|f| f.address.as_mut().unwrap().country = "GBR".into()), "country"),
        (Box::new(|f| f.address.as_mut().unwrap().city = "".into()), "city"),
        (Box::new(|f| f.address.as_mut().unwrap().postal_code = " ".into()), "postal_code"),
        (Box::new(|f| f.quote_job = "q".into()), "order"),
        (Box::new(|f| f.creation_id = " ".into()), "order"),
    ];
    for (spoil, field) in cases {
        let mut bad = form();
        spoil(&mut bad);
        assert_eq!(field_of(bad.checked()), field, "{bad:?}");
    }
}

#[test]
fn checkout_fields_become_the_form_or_name_the_wrong_field() {
    let fields = CheckoutFields {
        creation_id: "c".into(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        delivery: "pickup".into(),
        quantity: " 3 ".into(),
        ..CheckoutFields::default()
    };
    let form = fields.to_form().unwrap();
    assert_eq!((form.delivery, form.quantity, form.address), (Delivery::Pickup, 3, None));
    for (spoil, field) in [
        (CheckoutFields { delivery: "drone".into(), ..fields.clone() }, "delivery"),
        (CheckoutFields { quantity: "two".into(), ..fields.clone() }, "quantity"),
        (CheckoutFields { delivery: "ship".into(), ..fields.clone() }, "country"),
    ] {
        match spoil.to_form() {
            Err(AppError::Invalid { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn pickup_needs_no_address_and_drops_one_given() {
    let mut pickup = form();
    pickup.delivery = Delivery::Pickup;
    pickup.address.as_mut().unwrap().country = "nonsense".into();
    assert_eq!(pickup.checked().unwrap().address, None);
}

#[test]
fn card_only_where_taken_and_shipped_keepsakes_by_card() {
    let mut order = form().checked().unwrap();
    assert_eq!(order.payment_allowed(false), Ok(()), "no cards: everything is settled with the lab");
    assert_eq!(field_of(order.payment_allowed(true).map(|_| order.clone())), "payment");
    order.payment = Payment::Card;
    assert_eq!(order.payment_allowed(true), Ok(()));
    assert_eq!(field_of(order.payment_allowed(false).map(|_| order.clone())), "payment");
    order.delivery = Delivery::Pickup;
    order.payment = Payment::AtPickup;
    assert_eq!(order.payment_allowed(true), Ok(()), "collected keepsakes may be paid at the counter");
}

#[test]
fn amounts_charge_shipping_once_and_keep_the_minimum_per_keepsake() {
    let shipped = Amounts::work_out(73, (1_200, 900, 0), 3, Delivery::Ship, "USD");
    assert_eq!(
        (shipped.unit_cents, shipped.shipping_cents, shipped.total_cents),
        (1_273, 900, 3 * 1_273 + 900)
    );
    let collected = Amounts::work_out(73, (1_200, 900, 0), 3, Delivery::Pickup, "USD");
    assert_eq!(collected.total_cents, 3 * 1_273);
    let small = Amounts::work_out(40, (0, 0, 300), 2, Delivery::Pickup, "USD");
    assert_eq!((small.unit_cents, small.total_cents), (300, 600));
}

#[test]
fn statuses_only_move_forward() {
    use OrderStatus::*;
    assert!(AwaitingPayment.can_become(Paid));
    assert!(PaymentFailed.can_become(Paid), "a late successful payment still counts");
    assert!(!Paid.can_become(AwaitingPayment));
    assert!(!Paid.can_become(PaymentFailed), "a stale failure never undoes a payment");
    assert!(!Paid.can_become(Paid), "paying twice is not a step");
    assert!(!ReadyToPrint.can_become(Paid));
    assert!(Paid.can_become(Printing) && PayAtPickup.can_become(Printing));
    assert!(!AwaitingPayment.can_become(Printing), "nothing is printed before it is paid or agreed");
    assert!(!Shipped.can_become(Printing));
    for status in OrderStatus::ALL {
        assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        assert!(!status.can_become(AwaitingPayment), "nothing returns to awaiting payment");
    }
}
