# The identity Dagster runs as, the compute-log bucket and the booking event stream.
#
# Every pod of the Helm release (webserver, daemon, code servers, run pods) runs as the
# Kubernetes service account var.kubernetes_service_account, bound by Workload Identity to
# this Google service account: no key file exists anywhere.

resource "google_service_account" "runtime" {
  account_id   = "${var.runtime_service_account_id}${local.suffix}"
  display_name = "Trident Dagster runtime${local.suffix}"
  description  = "Runs the mesh's code servers and runs: publishes data products to BigQuery."
}

resource "google_service_account_iam_member" "workload_identity" {
  service_account_id = google_service_account.runtime.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.kubernetes_namespace}/${var.kubernetes_service_account}]"
}

resource "google_storage_bucket" "compute_logs" {
  name                        = "${var.project_id}-trident${local.suffix}-compute-logs"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = var.compute_log_retention_days
    }
    action {
      type = "Delete"
    }
  }

  labels = {
    mesh = "trident"
  }
}

resource "google_storage_bucket_iam_member" "runtime_compute_logs" {
  bucket = google_storage_bucket.compute_logs.name
  role   = "roles/storage.objectAdmin"
  member = local.runtime_member
}

resource "google_pubsub_topic" "booking_events" {
  name = "${var.booking_events_topic}${local.suffix}"

  labels = {
    mesh   = "trident"
    domain = "bookings"
  }
}

# The bookings domain's landing loader pulls the stream into landing_bookings.
resource "google_pubsub_subscription" "booking_events_landing" {
  name                       = "${google_pubsub_topic.booking_events.name}-landing"
  topic                      = google_pubsub_topic.booking_events.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription_iam_member" "runtime_subscriber" {
  subscription = google_pubsub_subscription.booking_events_landing.name
  role         = "roles/pubsub.subscriber"
  member       = local.runtime_member
}
