"""licensebot: a chatbot for a Chinese value-added telecom licence consultancy."""
