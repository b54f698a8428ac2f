//! Staff pages: the server's side of `app::backend::Staff`.

use app::backend::Staff;
use app::error::AppError;
use http::request::Parts;
use leptos::server_fn::codec::MultipartData;

use crate::http::model_form::{self};
use crate::platform::app_error::{database, internal};
use crate::state::AppState;

use crate::http::pages::set_cookie;

#[async_trait::async_trait]
impl Staff for AppState {
    async fn staff_status(&self, request: &Parts) -> Result<app::staff::StaffAccess, AppError> {
        let signed_in =
            crate::staff::sign_in::signed_in(&self.db, &request.headers, self.config.staff_idle_minutes)
                .await
                .map_err(database)?;
        let password_set = crate::staff::sign_in::password_is_set(&self.db).await.map_err(database)?;
        Ok(app::staff::StaffAccess { signed_in, password_set })
    }

    async fn staff_sign_in(&self, request: &Parts, password: &str) -> Result<(), AppError> {
        use crate::staff::sign_in;
        let ip = crate::platform::client_address::of(request);
        let now = crate::platform::time::now_ms();
        let known = sign_in::known_device(&self.links, &request.headers, now);
        let token = sign_in::sign_in(&self.db, &ip, password, known).await.map_err(AppError::from)?;
        let secure = self.config.public_url.starts_with("https:");
        set_cookie(&sign_in::set_cookie(Some(&token), secure));
        // This computer is known from now on: the site-wide cap on wrong
        // passwords does not keep it out.
        set_cookie(&sign_in::set_device_cookie(&sign_in::device_token(&self.links, now), secure));
        Ok(())
    }

    async fn staff_setup(
        &self,
        _request: &Parts,
        code: &str,
        password: &str,
        repeat: &str,
    ) -> Result<(), AppError> {
        if !crate::staff::setup::code_opens(&self.links, code) {
            return Err(AppError::Invalid {
                field: "code".into(),
                message: "That setup link is not this server's. Use the one in the server's log, or `memoreez admin set-password`.".into(),
            });
        }
        crate::staff::sign_in::set_first_password(&self.db, password, repeat).await.map_err(AppError::from)
    }

    async fn staff_sign_out(&self, request: &Parts) -> Result<(), AppError> {
        crate::staff::sign_in::sign_out(&self.db, &request.headers).await.map_err(database)?;
        set_cookie(&crate::staff::sign_in::set_cookie(None, self.config.public_url.starts_with("https:")));
        Ok(())
    }

    async fn staff_queue(&self, request: &Parts, status: &str) -> Result<app::staff::Queue, AppError> {
        let staff = self.staff_only(request).await?;
        let status = match status {
            "" => None,
            name => Some(app::print_job::PrintJobStatus::parse(name).ok_or(AppError::NotFound)?),
        };
        crate::printers::board::queue(&self.lab(), &staff, status).await.map_err(database)
    }

    async fn staff_job(&self, request: &Parts, id: &str) -> Result<app::staff::PrintJobPage, AppError> {
        let staff = self.staff_only(request).await?;
        let mut page = crate::printers::board::job_page(&self.lab(), &staff, id)
            .await
            .map_err(database)?
            .ok_or(AppError::NotFound)?;
        if let Some(order) = &page.card.order_id {
            page.outside = Some(crate::shop::fulfilment::choice(&self.shop(), &staff, order).await?);
        }
        Ok(page)
    }

    async fn staff_print_outside(
        &self,
        request: &Parts,
        id: &str,
        step: &str,
        color: &str,
    ) -> Result<String, AppError> {
        use crate::shop::fulfilment;
        let staff = self.staff_only(request).await?;
        let order = crate::lab::print_jobs::order_of(&self.db, id).await.map_err(database)?;
        let order = order.ok_or(AppError::NotFound)?.ok_or_else(|| AppError::Conflict {
            field: "outside".into(),
            message: "Only a shop order can be printed outside; a student's job is printed in the lab."
                .into(),
        })?;
        let color = match color.trim() {
            "" => "PLA BLACK",
            color if color.chars().count() <= 40 => color,
            _ => {
                return Err(AppError::Invalid {
                    field: "color".into(),
                    message: "Their filament is a short name, like PLA BLACK.".into(),
                });
            }
        };
        match step {
            "price" => Ok(fulfilment::price_words(
                &order,
                fulfilment::estimate(&self.shop(), &staff, &order, color).await?,
            )),
            "send" => Ok(fulfilment::send(&self.shop(), &staff, &order, color).await?.in_words(&order)),
            "track" => {
                Ok(fulfilment::tracking_words(&order, &fulfilment::track(&self.shop(), &order).await?))
            }
            _ => Err(AppError::Invalid { field: "step".into(), message: "Unknown step.".into() }),
        }
    }

    async fn staff_job_action(
        &self,
        request: &Parts,
        id: &str,
        action: app::print_job::PrintJobAction,
    ) -> Result<(), AppError> {
        use crate::lab::actions::ActionError;
        use app::print_job::PrintJobAction;
        let staff = self.staff_only(request).await?;
        let taken = match &action {
            PrintJobAction::SendToPrinter { printer_id, .. } => {
                crate::printers::sending::send(&self.lab(), &staff, id, printer_id).await.map(drop)
            }
            PrintJobAction::Reprint { note } => {
                crate::lab::reprint::reprint(&self.lab(), &staff, id, note).await.map(drop)
            }
            action => crate::lab::actions::act(&self.lab(), &staff, id, action).await.map(drop),
        };
        match taken {
            Ok(_) => Ok(()),
            Err(ActionError::NotFound) => Err(AppError::NotFound),
            Err(error @ ActionError::NotNow { .. }) => {
                Err(AppError::Invalid { field: "action".into(), message: error.to_string() })
            }
            Err(ActionError::Invalid { field, message }) => {
                Err(AppError::Invalid { field: field.into(), message })
            }
            Err(ActionError::Database(error)) => Err(internal(error)),
        }
    }

    async fn staff_upload_sliced(&self, request: &Parts, form: MultipartData) -> Result<String, AppError> {
        let staff = self.staff_only(request).await?;
        let form = form.into_inner().ok_or_else(|| internal("the browser's form data reached the server"))?;
        let (id, file) = model_form::read_sliced_fields(form, &self.config).await.map_err(AppError::from)?;
        crate::lab::sliced::upload(&self.lab(), &staff, &id, file).await.map_err(AppError::from)?;
        Ok(id)
    }

    async fn staff_slice(&self, request: &Parts, id: &str) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        crate::lab::sliced::slice(&self.lab(), &staff, id).await.map(drop).map_err(AppError::from)
    }

    async fn staff_printers(&self, request: &Parts) -> Result<Vec<app::staff::PrinterCard>, AppError> {
        let staff = self.staff_only(request).await?;
        let plan = crate::printers::eta::queue_plan(&self.lab()).await.map_err(database)?;
        crate::printers::pages::cards(&self.lab(), &staff, &plan).await.map_err(database)
    }

    async fn staff_add_printer(
        &self,
        request: &Parts,
        form: app::staff::PrinterForm,
    ) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        let printer = crate::printers::pages::from_form(&form)?;
        crate::printers::store::add(&self.db, &staff, printer).await.map(drop).map_err(AppError::from)
    }

    async fn staff_edit_printer(
        &self,
        request: &Parts,
        id: &str,
        form: app::staff::PrinterForm,
    ) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        let printer = crate::printers::pages::from_form(&form)?;
        Ok(crate::printers::store::update(&self.db, &staff, id, printer).await?)
    }

    async fn staff_remove_printer(&self, request: &Parts, id: &str) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        Ok(crate::printers::store::remove(&self.db, &staff, id).await?)
    }

    async fn staff_printer_maintenance(
        &self,
        request: &Parts,
        id: &str,
        note: Option<String>,
    ) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        Ok(crate::printers::maintenance::set(&self.db, &staff, id, note.as_deref()).await?)
    }

    async fn staff_printer_camera(
        &self,
        request: &Parts,
        id: &str,
        typed: Option<String>,
    ) -> Result<(), AppError> {
        let staff = self.staff_only(request).await?;
        match typed {
            Some(typed) => Ok(crate::printers::camera::set_url(&self.db, &staff, id, &typed).await?),
            None => {
                let keys = &self.config.printer_keys_dir;
                crate::printers::camera::read_from_server(&self.db, keys, &staff, id).await?;
                Ok(())
            }
        }
    }

    async fn staff_outbox(&self, request: &Parts) -> Result<Vec<app::staff::OutboxLine>, AppError> {
        let staff = self.staff_only(request).await?;
        let zone = self.config.lab_zone();
        let mut lines = crate::mail::outbox::outbox(&self.db, &staff, 200).await.map_err(database)?;
        for line in &mut lines {
            line.written = crate::platform::time::lab_time(line.created_at_ms, zone);
            line.sent = line.sent_at_ms.map(|at| crate::platform::time::lab_time(at, zone));
        }
        Ok(lines)
    }
}
