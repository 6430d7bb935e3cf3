# One installation's values: copy to a file outside the repository and edit.
#   terraform -chdir=deploy/gcp apply -var-file=/path/to/prod.tfvars
project_id = "example-project"
location   = "EU"
region     = "europe-west1"

# A branch environment: the same module with a prefix (and usually another project).
# dataset_prefix = "feature_x__"

domain_owner_groups = {
  customers = "group:crm-identity@example.com"
  sales     = "group:sales-revenue@example.com"
}

product_readers = ["group:data-consumers@example.com"]

fine_grained_readers = {
  indirect_pii = ["group:crm-analysts@example.com"]
  direct_pii   = ["group:crm-identity@example.com"]
  sensitive    = []
}
