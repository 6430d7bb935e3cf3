# The mesh's own lists (domains, classifications) come from mesh.auto.tfvars.json: its
# domains are written by `mesh domains sync` from the folders under domains/, and a test
# keeps its classifications equal to the contract model's Classification. Everything specific to one installation goes in a tfvars file of its
# own (see example.tfvars), never in this repository.

variable "project_id" {
  description = "The GCP project holding the warehouse (MESH_GCP_PROJECT)."
  type        = string
}

variable "location" {
  description = "BigQuery location of every dataset (MESH_GCP_LOCATION), e.g. EU."
  type        = string
  default     = "EU"
}

variable "region" {
  description = "Region of the compute-log bucket and of the GKE cluster."
  type        = string
  default     = "europe-west1"
}

variable "dataset_prefix" {
  description = <<-EOT
    Prefix of every dataset (MESH_DATASET_PREFIX). Empty in production; a branch
    environment named feature-x uses the prefix feature_x__ (MESH_ENV=branch with
    MESH_BRANCH=feature-x derives the same).
  EOT
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_]*$", var.dataset_prefix))
    error_message = "A dataset prefix holds only letters, digits and underscores."
  }
}

variable "domains" {
  description = "The domains of the mesh: one product dataset and one landing dataset each."
  type        = list(string)
}

variable "classifications" {
  description = "The contract model's column classifications; each PII one gets a policy tag."
  type        = list(string)
}

variable "runtime_service_account_id" {
  description = "Account id of the service account that Dagster's pods run as."
  type        = string
  default     = "trident-runtime"
}

variable "kubernetes_namespace" {
  description = "Namespace of the Helm release."
  type        = string
  default     = "trident"
}

variable "kubernetes_service_account" {
  description = "Kubernetes service account of the release (the Helm values' global.serviceAccountName)."
  type        = string
  default     = "trident"
}

variable "domain_owner_groups" {
  description = "Owning team of each domain, e.g. { sales = \"group:sales-data@example.com\" }."
  type        = map(string)
  default     = {}
}

variable "product_readers" {
  description = "Members that read every domain's product datasets (consumers, BI tools)."
  type        = list(string)
  default     = []
}

variable "fine_grained_readers" {
  description = "Members allowed to read columns of a PII classification, by classification."
  type        = map(list(string))
  default     = {}
}

variable "compute_log_retention_days" {
  description = "Days the Dagster compute logs are kept."
  type        = number
  default     = 30
}

variable "booking_events_topic" {
  description = "Pub/Sub topic of the reservation system's booking events."
  type        = string
  default     = "booking-events"
}
